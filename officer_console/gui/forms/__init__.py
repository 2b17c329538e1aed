"""Modules generated from ui/*.ui by scripts/build-forms.sh — do not edit."""
