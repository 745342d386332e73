"""The bell: everyone's in-app notifications (blueprint ``notifications``)."""
