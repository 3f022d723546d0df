using System.Globalization;
using System.Text;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Telescope.Reporting;

/// <summary>
/// ScottPlot 5 has no logarithmic axis: values are plotted as log10(v) and this class builds ticks at
/// powers of ten (labelled 10ⁿ or plainly for 0.001 … 10000), with minor ticks at 2…9 × 10ⁿ. When the
/// range spans less than one decade, 2× and 5× ticks are labelled too so the axis is never bare.
/// </summary>
internal static class LogAxis
{
    public static NumericManual Ticks(double log10Min, double log10Max)
    {
        var ticks = new NumericManual();
        int lo = (int)Math.Floor(log10Min), hi = (int)Math.Ceiling(log10Max);
        int decades = hi - lo;
        int stride = Math.Max(1, (int)Math.Ceiling(decades / 8.0)); // at most ~8 labelled powers
        bool labelSubDecades = log10Max - log10Min < 1.2;
        for (int e = lo; e <= hi; e++)
        {
            if (e % stride == 0 || stride == 1) ticks.AddMajor(e, PowerLabel(e));
            else ticks.AddMinor(e);
            for (int k = 2; k <= 9; k++)
            {
                double pos = e + Math.Log10(k);
                if (labelSubDecades && k is 2 or 5) ticks.AddMajor(pos, ValueLabel(k * Math.Pow(10, e)));
                else if (stride == 1) ticks.AddMinor(pos);
            }
        }
        return ticks;
    }

    private static string PowerLabel(int e) => e is >= -3 and <= 4 ? ValueLabel(Math.Pow(10, e)) : "10" + Superscript(e);

    private static string ValueLabel(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Superscript(int e)
    {
        var sb = new StringBuilder();
        foreach (char c in e.ToString(CultureInfo.InvariantCulture))
            sb.Append(c switch
            {
                '-' => '⁻', '0' => '⁰', '1' => '¹', '2' => '²', '3' => '³', '4' => '⁴',
                '5' => '⁵', '6' => '⁶', '7' => '⁷', '8' => '⁸', '9' => '⁹', _ => c,
            });
        return sb.ToString();
    }
}
