"""The statutory enforcement documents (执法文书): catalogue in rules/data/documents.yaml (loaded by
rules/document_kinds.py), jinja2 templates and one stylesheet in documents/templates/, the renderer
(documents/render.py: `render_document` → PDF/A bytes), and the renderer's view of numbering and
verification codes (documents/numbering.py, re-exporting core.numbering: the one scheme, used when a
document is issued by core.documents and checked by the API's verification endpoint). Import the
submodules directly: `documents.render` loads weasyprint, which the API does not need."""
