using Telescope.LinearAlgebra;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.LinearAlgebra;

/// <summary>
/// Every <see cref="Gemm"/> product on both paths against an independent reference: a plain triple loop in
/// float64 over the same (float32 or float64) inputs. Tolerance per element: 2·k·u·(|A|·|B|)_ij, twice the
/// worst-case rounding of a k-term sum in the working precision (u = 2⁻²⁴ for float32, 2⁻⁵³ for float64).
/// </summary>
public class GemmTests
{
    public static TheoryData<GemmPath, ScalarType> Paths() => new()
    {
        { GemmPath.LibTorch, ScalarType.Float32 }, { GemmPath.LibTorch, ScalarType.Float64 },
        { GemmPath.OpenBlas, ScalarType.Float32 }, { GemmPath.OpenBlas, ScalarType.Float64 },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatMulMatchesTheLoopForEveryOperandLayout(GemmPath path, ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(3);
        var a = torch.randn(37, 53, dtype: dtype, generator: g);
        var b = torch.randn(53, 29, dtype: dtype, generator: g);
        AssertProduct(Gemm.MatMul(a, b, path), a, b, dtype);
        // Transposed views are read in place with BLAS's transpose flags.
        var at = torch.randn(53, 37, dtype: dtype, generator: g).t();
        var bt = torch.randn(29, 53, dtype: dtype, generator: g).t();
        AssertProduct(Gemm.MatMul(at, bt, path), at, bt, dtype);
        // A column slice (row stride > row length) and a broadcast row (stride 0, copied first).
        var wide = torch.randn(37, 80, dtype: dtype, generator: g).narrow(1, 5, 53);
        var broadcast = torch.randn(1, 29, dtype: dtype, generator: g).expand(53, 29);
        AssertProduct(Gemm.MatMul(wide, broadcast, path), wide, broadcast, dtype);
        // One row, one column.
        var row = torch.randn(1, 53, dtype: dtype, generator: g);
        var column = torch.randn(53, 1, dtype: dtype, generator: g);
        AssertProduct(Gemm.MatMul(row, column, path), row, column, dtype);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void LinearAndAccumulationMatchTheLoop(GemmPath path, ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(4);
        var x = torch.randn(41, 23, dtype: dtype, generator: g);
        var w = torch.randn(17, 23, dtype: dtype, generator: g);
        var bias = torch.randn(17, dtype: dtype, generator: g);
        AssertProduct(Gemm.Linear(x, w, null, path), x, w.t(), dtype);
        AssertProduct(Gemm.Linear(x, w, bias, path), x, w.t(), dtype, offset: bias.unsqueeze(0).expand(41, 17));

        var start = torch.randn(41, 17, dtype: dtype, generator: g);
        var c = start.clone();
        var result = Gemm.AddMatMul_(c, x, w.t(), path);
        Assert.Same(c, result);
        AssertProduct(c, x, w.t(), dtype, offset: start);
    }

    [Fact]
    public void TheTwoPathsAgreeOnALayerSizedFloat32Product()
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(5);
        var a = torch.randn(1000, 784, generator: g);
        var w = torch.randn(512, 784, generator: g);
        var torchResult = Gemm.Linear(a, w, null, GemmPath.LibTorch).to(ScalarType.Float64);
        var blasResult = Gemm.Linear(a, w, null, GemmPath.OpenBlas).to(ScalarType.Float64);
        var reference = a.to(ScalarType.Float64).mm(w.to(ScalarType.Float64).t());
        var scale = a.to(ScalarType.Float64).abs().mm(w.to(ScalarType.Float64).abs().t());
        // Each within k·u·(|A|·|B|) of the exact product, so within twice that of each other (k = 784).
        double bound = 784 * Math.Pow(2, -24);
        Assert.True(torchResult.sub(reference).abs().div(scale).max().item<double>() <= bound);
        Assert.True(blasResult.sub(reference).abs().div(scale).max().item<double>() <= bound);
        Assert.True(torchResult.sub(blasResult).abs().div(scale).max().item<double>() <= 2 * bound);
    }

    [Fact]
    public void OperandsThatAutogradTracksStayOnLibTorch()
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(6);
        var a = torch.randn(6, 4, dtype: ScalarType.Float64, generator: g).requires_grad_(true);
        var b = torch.randn(4, 3, dtype: ScalarType.Float64, generator: g);
        var product = Gemm.MatMul(a, b, GemmPath.OpenBlas);
        Assert.True(product.requires_grad);
        product.sum().backward();
        // d(sum(A·B))/dA = 1·Bᵀ: every row of the gradient is the row sums of B.
        var expected = b.sum(1L).unsqueeze(0).expand(6, 4);
        Assert.True(a.grad!.allclose(expected, rtol: 1e-12, atol: 1e-12));
    }

    [Fact]
    public void OnTheOpenBlasPathOnlyProductsOfTheMinimumWorkGoToOpenBlas()
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(7);
        // 8·8·4096 = 2¹⁸ multiply-adds (under the minimum) and 256³ = 2²⁴ (over it). Long sums, so MKL's and
        // OpenBLAS's summation orders leave different last bits and the result shows which library computed it.
        var smallA = torch.randn(8, 4096, generator: g);
        var smallB = torch.randn(4096, 8, generator: g);
        var largeA = torch.randn(256, 256, generator: g);
        var largeB = torch.randn(256, 256, generator: g);
        Assert.True(8L * 8 * 4096 < Gemm.OpenBlasMinimumWork && 256L * 256 * 256 >= Gemm.OpenBlasMinimumWork);
        Tensor small, smallLinear, large;
        using (GemmChoice.Scope(GemmPath.OpenBlas))
        {
            small = Gemm.MatMul(smallA, smallB);
            smallLinear = Gemm.Linear(smallA, smallB.t(), null);
            large = Gemm.MatMul(largeA, largeB);
        }
        Assert.True(Same(small, smallA.mm(smallB)));
        Assert.True(Same(smallLinear, smallA.mm(smallB)));
        Assert.True(Same(large, Gemm.MatMul(largeA, largeB, GemmPath.OpenBlas)));
        if (GemmChoice.LoadedOpenBlas(out _) is null) return;   // without OpenBLAS both paths are LibTorch's
        Assert.False(Same(Gemm.MatMul(smallA, smallB, GemmPath.OpenBlas), smallA.mm(smallB)));
        Assert.False(Same(large, largeA.mm(largeB)));
    }

    private static bool Same(Tensor x, Tensor y) => x.eq(y).all().item<bool>();

    [Fact]
    public async Task ScopeSetsThePathOfThisFlowOnly()
    {
        var outside = GemmChoice.ActivePath;
        using (GemmChoice.Scope(GemmPath.LibTorch))
        {
            Assert.Equal(GemmPath.LibTorch, GemmChoice.ActivePath);
            using (GemmChoice.Scope(GemmPath.OpenBlas)) Assert.Equal(GemmPath.OpenBlas, GemmChoice.ActivePath);
            Assert.Equal(GemmPath.LibTorch, GemmChoice.ActivePath);
            // A thread that does not inherit this flow's context sees the process's path.
            Task<GemmPath> elsewhere;
            using (ExecutionContext.SuppressFlow()) elsewhere = Task.Run(() => GemmChoice.ActivePath);
            Assert.Equal(GemmChoice.Current.Path, await elsewhere);
        }
        Assert.Equal(outside, GemmChoice.ActivePath);
    }

    /// <summary>got == offset + a·b within 2·k·u·(|A|·|B|) per element, the reference summed by a plain loop in float64.</summary>
    internal static void AssertProduct(Tensor got, Tensor a, Tensor b, ScalarType dtype, Tensor? offset = null)
    {
        int m = (int)a.shape[0], k = (int)a.shape[1], n = (int)b.shape[1];
        Assert.Equal(new long[] { m, n }, got.shape);
        Assert.Equal(dtype, got.dtype);
        double[] A = a.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        double[] B = b.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        double[] C = got.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        double[]? O = offset?.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        double u = dtype == ScalarType.Float32 ? Math.Pow(2, -24) : Math.Pow(2, -53);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = O?[i * n + j] ?? 0, magnitude = Math.Abs(O?[i * n + j] ?? 0);
                for (int p = 0; p < k; p++)
                {
                    sum += A[i * k + p] * B[p * n + j];
                    magnitude += Math.Abs(A[i * k + p] * B[p * n + j]);
                }
                double tolerance = 2 * (k + 1) * u * magnitude;
                Assert.True(Math.Abs(C[i * n + j] - sum) <= tolerance,
                    $"[{i}, {j}]: got {C[i * n + j]:R}, reference {sum:R}, tolerance {tolerance:G3}");
            }
    }
}
