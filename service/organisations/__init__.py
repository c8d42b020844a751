"""Organisations of the programme, their areas, and the joint rules of a round."""
