using Telescope.Telescoping;

namespace Telescope.Recipes.DoubleDescent;

/// <summary>The smoother of the run's optimizer, behind one Step/Fidelity interface.</summary>
internal sealed class RunSmoother : ICheckpointable, IDisposable
{
    private readonly TelescopingTracker _tracker;
    private readonly Tensor _trainTargets;
    private readonly KernelSmoother? _kernel;
    private readonly LabelTangentSmoother? _tangent;
    private readonly Action<Tensor, ExactOptimizer, ParameterUpdate> _step;

    public RunSmoother(DoubleDescentSettings settings, int seed, Mlp network, IJvpEngine jvp, DoubleDescentTensors data, Tensor trainTargets,
        TelescopingTracker tracker)
    {
        _tracker = tracker;
        _trainTargets = trainTargets;
        using var scope = torch.NewDisposeScope();
        Tensor f0Train, f0Test;
        using (torch.no_grad())
        {
            // Accumulate S in float64 whatever the model's dtype (sums over thousands of steps).
            f0Train = network.forward(data.TrainInputs).to_type(ScalarType.Float64);
            f0Test = network.forward(data.TestProbes).to_type(ScalarType.Float64);
        }
        if (settings.Smoother == SmootherChoice.Kernel)
        {
            var engine = new MlpTangentKernel(network);
            var kernel = _kernel = new KernelSmoother(data.TrainInputs, f0Train, new KernelSmootherOptions { LossScale = settings.LossScale });
            _kernel.Track(DoubleDescentTrainer.Test, data.TestProbes, f0Test);
            _step = (batch, _, update) => kernel.Step(engine, batch, update.LearningRate);
        }
        else
        {
            var vjp = new ParameterVjp(network);
            var tangent = _tangent = new LabelTangentSmoother(jvp.Parameters, data.TrainInputs, new LabelTangentOptions
            {
                OutputCount = 1,
                LossScale = settings.LossScale,
                Directions = settings.Smoother == SmootherChoice.Exact ? LabelDirections.ExactBasis : LabelDirections.Hutchinson,
                DirectionCount = settings.Directions,
                Seed = seed,
                SurrogateLabels = trainTargets,
                Preconditioner = settings.PreconditionerKind,
            }, f0Train);
            _tangent.Track(DoubleDescentTrainer.Test, data.TestProbes, f0Test);
            _step = (batch, optimizer, update) => tangent.Step(jvp, vjp, batch, optimizer, update);
        }
    }

    public ISmoother Smoother => (ISmoother?)_kernel ?? _tangent!;

    /// <summary>Propagates step t; the network must still be at θ_{t-1}.</summary>
    public void Step(Tensor batch, ExactOptimizer optimizer, ParameterUpdate update) => _step(batch, optimizer, update);

    public void SaveState(CheckpointState state, string prefix) => State.SaveState(state, prefix);

    public void LoadState(CheckpointState state, string prefix) => State.LoadState(state, prefix);

    private ICheckpointable State => (ICheckpointable?)_kernel ?? _tangent!;

    /// <summary>Gaps between the surrogate f̂_T, the telescoping model f̃_T and the network f_θT, on train and test probes.</summary>
    public (SmootherFidelity Train, SmootherFidelity Test) Fidelity(Mlp network, DoubleDescentTensors data)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        SmootherFidelity One(string set, Tensor inputs)
        {
            var network = Network(inputs);
            var telescoped = _tracker.Telescoped(set);
            var surrogate = _kernel is not null ? _kernel.Predict(set, _trainTargets) : _tangent!.Predict(set);
            return SmootherFidelity.Compute(surrogate, telescoped, network);
        }
        Tensor Network(Tensor inputs) => network.forward(inputs).to_type(ScalarType.Float64);
        return (One(SmootherSets.Training, data.TrainInputs), One(DoubleDescentTrainer.Test, data.TestProbes));
    }

    public void Dispose()
    {
        _kernel?.Dispose();
        _tangent?.Dispose();
    }
}
