"""The audit web page (`extractor serve`): routes in ``app.py``, who may use it in ``security.py``,
the indicator chart in ``chart.py``, pages in ``templates/``, script and style in ``static/``."""
