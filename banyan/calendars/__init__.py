"""Calendars (WL-1): lunar dates and birthdays, festivals, statutory holidays and working days.

Pure functions, no models: ``lunar`` (conversions, the lunar and solar birthday rules, birthday
keys by date), ``festivals`` (traditional and solar festivals), ``workdays`` (CN statutory
holidays, make-up workdays, bank overrides).
"""
