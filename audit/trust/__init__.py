"""Trust in every score: signals across visits, shopper leniency and shopper rating."""
