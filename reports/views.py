"""Dashboards and exports."""
