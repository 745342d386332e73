"""Assignments: managers offer visits to shoppers and assessors; shoppers accept or decline."""
