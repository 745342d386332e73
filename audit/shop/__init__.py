"""The field: shoppers and assessors start, fill in and submit visits on their phones."""
