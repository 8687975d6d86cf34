"""Reads assessments/ and courses/ (YAML) into validated objects; validates and syncs them."""
