"""Site visits of candidates' stores and training sessions of approved merchants' staff."""
