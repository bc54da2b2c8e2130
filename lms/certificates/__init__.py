"""Completion of a course and the certificate it earns: the rule, the issue, verification."""
