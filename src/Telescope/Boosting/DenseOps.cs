using System.Numerics;
using System.Runtime.InteropServices;

namespace Telescope.Boosting;

/// <summary>SIMD helpers for the row operations of the smoother recursion (hot loops: O(n·(n+m)) per tree).</summary>
internal static class DenseOps
{
    /// <summary>target += scale · source.</summary>
    internal static void AddScaled(Span<double> target, ReadOnlySpan<double> source, double scale)
    {
        if (target.Length != source.Length) throw new ArgumentException("Length mismatch in AddScaled.");
        int i = 0;
        if (Vector.IsHardwareAccelerated && target.Length >= Vector<double>.Count)
        {
            var t = MemoryMarshal.Cast<double, Vector<double>>(target);
            var s = MemoryMarshal.Cast<double, Vector<double>>(source);
            var k = new Vector<double>(scale);
            for (int v = 0; v < t.Length; v++) t[v] += k * s[v];
            i = t.Length * Vector<double>.Count;
        }
        for (; i < target.Length; i++) target[i] += scale * source[i];
    }

    /// <summary>target *= scale.</summary>
    internal static void Scale(Span<double> target, double scale)
    {
        for (int i = 0; i < target.Length; i++) target[i] *= scale;
    }

    /// <summary>Σ a_i b_i.</summary>
    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("Length mismatch in Dot.");
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
