"""Calibration exercises: a written-out case with reference answers that shoppers and
assessors score like a visit, and how far they agree."""
