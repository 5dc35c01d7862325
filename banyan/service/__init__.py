"""Service quality (SVC): complaints on the regulator's clock (SVC-1), referrals between customers
and hand-offs inside the team (SVC-2), and consented customer groups (SVC-3)."""
