"""Applicant notifications: an outbox in the database, delivered by signed webhook."""
