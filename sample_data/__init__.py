"""Synthetic source folders for Diversion Outcomes: demo, national-scale and bad samples.

All people, referrals and offences here are invented. See sample_data/README.md.
"""
