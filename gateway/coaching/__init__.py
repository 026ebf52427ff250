"""Spec 002's behaviour behind the graph: flow validation, program state, document work."""
