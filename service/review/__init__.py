"""Scorecards, panel review and decisions."""
