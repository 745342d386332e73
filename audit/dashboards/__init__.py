"""Dashboards, CSV downloads and PDF reports for managers, scoped to their regions.

The pages live in :mod:`audit.dashboards.views`; PDF downloads and background
report jobs in :mod:`audit.dashboards.downloads`. Both register on the one
blueprint of :mod:`audit.dashboards.blueprint`.
"""
