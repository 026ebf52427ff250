"""Spec 003's analytics, computed in SQL from the stored facts (docs/metrics.md defines each
number): the overview and metric series (channel days, leads), channel performance, the
funnel and attribution (touchpoints), and saved custom reports."""
