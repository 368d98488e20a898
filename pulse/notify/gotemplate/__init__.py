"""A safe renderer for Go `text/template` syntax (the original's custom webhook templates)."""

from pulse.notify.gotemplate.parser import TemplateError
from pulse.notify.gotemplate.render import FUNCTION_NAMES, SafeJSON, Struct, Template, title

__all__ = ["FUNCTION_NAMES", "SafeJSON", "Struct", "Template", "TemplateError", "title"]
