"""Dashboards, CSV downloads and PDF reports for managers, scoped to their regions.

The pages live in :mod:`audit.reports.dashboards`; PDF downloads and background
report jobs in :mod:`audit.reports.downloads`. Both register on the one
blueprint of :mod:`audit.reports.blueprint`.
"""
