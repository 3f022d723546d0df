using Telescope.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Autodiff;

/// <summary>
/// Tangent-kernel blocks K(x, x') = J(x) J(x')ᵀ of any module from explicit per-example Jacobians
/// (<see cref="PerExampleJacobian"/>): N·k backward passes and N·k·P floats per block, so only for small
/// models. Use <see cref="MlpTangentKernel"/> for an <c>Mlp</c>.
/// </summary>
public sealed class GenericTangentKernel : ITangentKernelEngine
{
    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly int _chunkSize;

    /// <param name="module">Any module mapping a batch [N, …] to outputs [N, k] (or [N]), examples independent.</param>
    /// <param name="chunkSize">Rows of the first input set whose Jacobians are held at once (the second set is held whole).</param>
    public GenericTangentKernel(nn.Module<Tensor, Tensor> module, int chunkSize = DefaultChunkSize)
    {
        _module = module ?? throw new ArgumentNullException(nameof(module));
        Parameters = new TrainableParameters(module);
        _chunkSize = InputChunks.Validate(chunkSize, nameof(chunkSize))!.Value;
    }

    /// <summary>Rows whose Jacobians are held at once when no chunk size is given.</summary>
    public const int DefaultChunkSize = 64;

    /// <inheritdoc />
    public TrainableParameters Parameters { get; }

    /// <inheritdoc />
    public Tensor Compute(Tensor inputs, Tensor otherInputs, KernelOutputMode mode)
    {
        TangentChecks.ValidateInputs(Parameters, inputs);
        TangentChecks.ValidateInputs(Parameters, otherInputs);
        using var scope = torch.NewDisposeScope();
        if (inputs.shape[0] == 0 || otherInputs.shape[0] == 0)
            return EmptyBlock(inputs, otherInputs, mode).MoveToOuterDisposeScope();
        var other = PerExampleJacobian.Compute(_module, Parameters, otherInputs); // [N', k, P]
        long m = other.shape[0], k = other.shape[1];
        var blocks = new List<Tensor>();
        foreach (var range in InputChunks.Ranges(inputs.shape[0], _chunkSize))
        {
            using var chunkScope = torch.NewDisposeScope();
            var mine = PerExampleJacobian.Compute(_module, Parameters, InputChunks.Rows(inputs, range));
            if (mine.shape[1] != k)
                throw new InvalidOperationException($"The module returned {mine.shape[1]} outputs for one input set and {k} for the other.");
            long n = mine.shape[0];
            using var noGrad = torch.no_grad();
            using var outputs = k.ToScalar();
            var block = mode == KernelOutputMode.Full
                ? KernelLayout.ToPairMajor(Gemm.MatMul(mine.view(n * k, -1), other.view(m * k, -1).t()).view(n, k, m, k))
                : Gemm.MatMul(mine.view(n, -1), other.view(m, -1).t()).div_(outputs);
            blocks.Add(block.MoveToOuterDisposeScope());
        }
        var result = blocks.Count == 1 ? blocks[0] : torch.cat(blocks, 0);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>A zero-row or zero-column block; k is read off one forward pass of a single input.</summary>
    private Tensor EmptyBlock(Tensor inputs, Tensor otherInputs, KernelOutputMode mode)
    {
        long n = inputs.shape[0], m = otherInputs.shape[0];
        var dtype = Parameters.Tensors[0].dtype;
        var device = Parameters.Tensors[0].device;
        if (mode == KernelOutputMode.Trace) return torch.zeros(n, m, dtype: dtype, device: device);
        var probe = n > 0 ? inputs.narrow(0, 0, 1) : otherInputs.narrow(0, 0, Math.Min(1, m));
        long k;
        using (torch.no_grad()) k = TangentChecks.AsMatrix(_module.forward(probe), probe.shape[0]).shape[1];
        return torch.zeros(n, m, k, k, dtype: dtype, device: device);
    }
}
