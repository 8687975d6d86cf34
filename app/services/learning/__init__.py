"""The learning stage of the cycle: each official matched to curated material (matching, shortlists,
profiles, plan_catalogue), their learning plans (plans, plan_view), what they do with them (progress:
progress, evidence, feedback) and curators' suggestions (suggestions).
"""
