"""The assessment stage of the cycle: campaigns and invitations, taking an attempt (window, questions,
answers, submission), scoring and results, item forms and statistics, the organisation assessment.
"""
