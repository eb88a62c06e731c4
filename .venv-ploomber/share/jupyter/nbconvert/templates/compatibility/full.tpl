{{ resources.deprecated("This template is deprecated, please use classic/index.html.j2") }}
{%- extends 'index.html.j2' -%}
