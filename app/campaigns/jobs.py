"""Background jobs of campaigns. Being written."""
