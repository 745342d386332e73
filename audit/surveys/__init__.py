"""The customer's own voice: public survey links per branch, responses stored as
visits of a survey scorecard, and the printed cards that carry the links."""
