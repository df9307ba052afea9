"""The statutory enforcement documents (执法文书): catalogue in rules/data/documents.yaml (loaded by
rules/document_kinds.py), jinja2 templates and one stylesheet in documents/templates/, the renderer
(documents/render.py: `render_document` → PDF/A bytes), numbering and verification codes
(documents/numbering.py). Import the submodules directly: `documents.render` loads weasyprint, which the
API's verification endpoint (documents.numbering only) does not need."""
