"""Alerts people can act on: a failed validation or task, told in Vietnamese and English."""
