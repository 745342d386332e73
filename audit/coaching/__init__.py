"""Staff portal, coaching notes and recognition (blueprint ``coaching``)."""
