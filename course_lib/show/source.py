"""Show the library's own code in a lesson instead of a pasted copy (every lesson)."""
from __future__ import annotations

import ast
import inspect
import textwrap


def show_source(obj, docstring: bool = False) -> None:
    """Print the source of a course_lib function or class, without its docstring by default."""
    source = textwrap.dedent(inspect.getsource(obj))
    if not docstring:
        tree = ast.parse(source)
        node = tree.body[0]
        body = getattr(node, "body", [])
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            lines = source.splitlines()
            start, end = body[0].lineno - 1, body[0].end_lineno
            source = "\n".join(lines[:start] + lines[end:])
    print(f"# {inspect.getsourcefile(obj).split('course_lib')[-1].lstrip('/')}  "
          f"(course_lib.{obj.__module__.split('course_lib.')[-1]}.{obj.__qualname__})")
    print(source)
