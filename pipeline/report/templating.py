"""The report's one Jinja2 environment: the templates of pipeline/report/templates, autoescaped, with the
`rst` filter (`rst_inline`: the methods' docstrings' inline reStructuredText as HTML). The report page,
the methods appendix and the validation page all render through `environment()`.
"""

from __future__ import annotations

import re

_RST_INLINE = re.compile(
    r"``(?P<literal>[^`\n]+?)``"  # ``code``
    r"|:(?P<role>math|func|class|meth|mod|data|attr|obj):`(?P<role_text>[^`\n]+?)`"  # :math:`x`, :func:`f`
    r"|(?<![\w*])\*\*(?P<strong>[^*\s](?:[^*\n]*?[^*\s])?)\*\*(?![\w*])"  # **strong**
    r"|(?<![\w*])\*(?P<em>[^*\s](?:[^*\n]*?[^*\s])?)\*(?![\w*])"
)  # *emphasis* (not a*b*c)


def rst_inline(text: str):
    """The docstrings' reStructuredText inline markup as HTML, everything else escaped: ``code`` and the
    roles :func:/:class:/... become <code>, :math:`x` a <span class="math">, *emphasis* <em>, **strong**
    <strong>; a `::` line ending a paragraph loses one colon. Lists and formulas keep their lines (the
    template shows them in a pre-wrapped block). Returns markupsafe.Markup (safe: only the tags above
    are made, around escaped text)."""
    from markupsafe import Markup, escape

    out, at = [], 0
    text = re.sub(r"(?m)(\S)::$", r"\1:", text or "")
    text = re.sub(r"(?m)^(\s*)::$", r"\1", text)
    for match in _RST_INLINE.finditer(text):
        out.append(str(escape(text[at : match.start()])))
        if match.group("literal") is not None:
            out.append(f"<code>{escape(match.group('literal'))}</code>")
        elif match.group("role") == "math":
            out.append(f'<span class="math">{escape(match.group("role_text"))}</span>')
        elif match.group("role") is not None:
            out.append(f"<code>{escape(match.group('role_text'))}</code>")
        elif match.group("strong") is not None:
            out.append(f"<strong>{escape(match.group('strong'))}</strong>")
        else:
            out.append(f"<em>{escape(match.group('em'))}</em>")
        at = match.end()
    out.append(str(escape(text[at:])))
    return Markup("".join(out))


def environment():
    """The report's Jinja2 environment: templates of pipeline/report/templates, autoescaped, with the
    `rst` filter (rst_inline)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("pipeline.report", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    env.filters["rst"] = rst_inline
    return env
