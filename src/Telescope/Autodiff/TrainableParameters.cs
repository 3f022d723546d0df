using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Autodiff;

/// <summary>
/// The parameters θ that training moves: a module's parameters with requires_grad, in module order.
/// Every per-parameter list in the library (tangents, updates, snapshots) follows this order.
/// </summary>
public sealed class TrainableParameters
{
    public TrainableParameters(nn.Module module)
    {
        Module = module;
        Tensors = module.parameters().Where(p => p.requires_grad).ToArray();
        if (Tensors.Count == 0) throw new ArgumentException("The module has no trainable parameters.");
        Count = Tensors.Sum(p => p.numel());
    }

    public nn.Module Module { get; }
    public IReadOnlyList<Tensor> Tensors { get; }
    /// <summary>P, the number of trainable scalars.</summary>
    public long Count { get; }

    /// <summary>Detached copies of the current values (a snapshot to evaluate the model at later).</summary>
    public Tensor[] CloneValues(ScalarType? dtype = null)
    {
        using var _ = torch.no_grad();
        return Tensors.Select(p => (dtype is null ? p.detach().clone() : p.detach().to_type(dtype.Value))).ToArray();
    }

    /// <summary>Zero tensors shaped like the parameters.</summary>
    public Tensor[] Zeros(ScalarType? dtype = null) =>
        Tensors.Select(p => torch.zeros_like(p, dtype: dtype ?? p.dtype)).ToArray();

    /// <summary>
    /// Temporarily loads <paramref name="values"/> into the parameters; disposing restores the current ones.
    /// Exact (copies, no arithmetic), so engines evaluate J at a saved θ without needing functional_call.
    /// </summary>
    public IDisposable Load(IReadOnlyList<Tensor> values)
    {
        if (values.Count != Tensors.Count) throw new ArgumentException($"Expected {Tensors.Count} tensors, got {values.Count}.");
        var saved = CloneValues();
        using (torch.no_grad())
            for (int i = 0; i < Tensors.Count; i++) Tensors[i].copy_(values[i]);
        return new Restore(this, saved);
    }

    private sealed class Restore(TrainableParameters owner, Tensor[] saved) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            using (torch.no_grad())
                for (int i = 0; i < saved.Length; i++) { owner.Tensors[i].copy_(saved[i]); saved[i].Dispose(); }
        }
    }
}
