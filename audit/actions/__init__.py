"""Corrective actions: proposed from visits, decided by managers, worked on by owners."""
