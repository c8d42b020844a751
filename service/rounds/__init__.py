"""Recruitment rounds and their versioned rubrics."""
