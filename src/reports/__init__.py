"""Reporting: the figures of /reports, the rollups behind them, periods, tables, charts and the
QuickBooks panel."""
