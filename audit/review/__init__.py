"""Review: managers check submitted visits, fix or return them, and publish them to staff."""
