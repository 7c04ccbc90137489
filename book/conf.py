"""Sphinx configuration of the course book (built by ``python3 tasks.py book``).

The sources are generated into ``build/book/src`` by ``book/build.py``; this
file is used from there with ``-c book``. Everything the pages need at view
time is copied into the site: MathJax (``sphinx-mathjax-offline``), the theme's
fonts and scripts, Sphinx's own search index. Nothing is loaded from a CDN.
"""
project = "Predicting e-commerce behaviour from event sequences"
author = "the course authors"
copyright = "the course authors, MIT licence"

extensions = [
    "myst_nb",                  # notebooks and MyST markdown
    "sphinx_design",            # the solution dropdowns
    "sphinx-mathjax-offline",   # MathJax 3 copied into _static/ (no CDN)
]

# notebooks arrive executed (build/executed/, from the test run or book/build.py)
nb_execution_mode = "off"
nb_ipywidgets_js = {}           # the embed manager would come from a CDN: widgets become static figures
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]

exclude_patterns = ["**.ipynb_checkpoints"]
html_theme = "sphinx_book_theme"
html_title = "E-commerce behaviour from event sequences"
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_context = {"default_mode": "light"}   # an empty saved mode makes the theme log a console error
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "launch_buttons": {},
}
