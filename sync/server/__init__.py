"""The central server: JSON API for kiosks (and, later, the staff console)."""
