"""Pages of KPIs."""
