"""Figures fit formgrader's and feedback's page: a display width on wide ones, a description on each."""

import nbformat


def test_wide_figures_get_a_display_width_and_every_figure_a_description():
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from autograder.reports.figures import MAX_WIDTH, FitFigures, image_width

    def png(width_in):
        fig = plt.figure(figsize=(width_in, 2), dpi=100)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        return base64.b64encode(buf.getvalue()).decode()

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("plot()")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png(w), "text/plain": "<Figure>"})
                    for w in (14, 4)]
    nb.cells = [cell]
    assert image_width("image/png", cell.outputs[0]["data"]["image/png"]) == 1400
    FitFigures().preprocess(nb, {})
    wide, small = (o["metadata"]["image/png"] for o in cell.outputs)
    assert wide["width"] == MAX_WIDTH and "width" not in small
    assert wide["alt"] == small["alt"] == "a figure of the notebook: <Figure>"


def test_malformed_outputs_are_left_alone_or_mended():
    from autograder.reports.figures import fit_output

    assert fit_output({"output_type": "display_data", "data": ["not", "a", "dict"]}) is False
    odd = {"output_type": "display_data", "data": {"image/png": "not base64 at all"}, "metadata": ["x"]}
    fit_output(odd)  # no crash: the grade of the notebook never depends on its figures
    assert odd["metadata"]["image/png"]["alt"] == "a figure of the notebook"
