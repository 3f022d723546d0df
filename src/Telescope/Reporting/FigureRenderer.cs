using ScottPlot;
using SkiaSharp;

namespace Telescope.Reporting;

/// <summary>Renders one or more ScottPlot panels onto one canvas and writes PNG and SVG files.</summary>
internal static class FigureRenderer
{
    public static void Save(IReadOnlyList<(Plot Plot, PixelRect Rect)> panels, int width, int height,
        string pngPath, string svgPath)
    {
        if (width < 100 || height < 100)
            throw new ArgumentOutOfRangeException(nameof(width), $"A figure must be at least 100×100 pixels (got {width}×{height}).");

        using (var surface = SKSurface.Create(new SKImageInfo(width, height)))
        {
            Draw(surface.Canvas, panels);
            using var image = surface.Snapshot();
            using var data = image.Encode(SKEncodedImageFormat.Png, 100);
            using var file = File.Create(pngPath);
            data.SaveTo(file);
        }

        using (var file = File.Create(svgPath))
        {
            // The SVG canvas writes its document when disposed, so it must be disposed before the stream.
            using var canvas = SKSvgCanvas.Create(SKRect.Create(width, height), file);
            Draw(canvas, panels);
        }
    }

    private static void Draw(SKCanvas canvas, IReadOnlyList<(Plot Plot, PixelRect Rect)> panels)
    {
        canvas.Clear(SKColors.White);
        foreach (var (plot, rect) in panels)
        {
            // A plot clears the canvas before drawing; clipping keeps it from erasing the other panels.
            canvas.Save();
            canvas.ClipRect(new SKRect(rect.Left, rect.Top, rect.Right, rect.Bottom));
            plot.Render(canvas, rect);
            canvas.Restore();
        }
    }
}
