using Telescope.Telescoping;

namespace Telescope.Recipes.DoubleDescent;

/// <summary>The smoother of the run's optimizer, behind one Step/Fidelity interface.</summary>
internal sealed class RunSmoother : ICheckpointable, IDisposable
{
    private readonly TelescopingTracker _tracker;
    private readonly Action<Tensor, ExactOptimizer, ParameterUpdate> _step;
    private readonly Func<string, Tensor> _predict;

    public RunSmoother(DoubleDescentSettings settings, int seed, Mlp network, IJvpEngine jvp, DoubleDescentTensors data, Tensor trainTargets,
        TelescopingTracker tracker)
    {
        _tracker = tracker;
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
            var kernel = new KernelSmoother(data.TrainInputs, f0Train, new KernelSmootherOptions { LossScale = settings.LossScale });
            kernel.Track(RecipeSensitivity.Test, data.TestProbes, f0Test);
            Smoother = kernel;
            _step = (batch, _, update) => kernel.Step(engine, batch, update.LearningRate);
            _predict = set => kernel.Predict(set, trainTargets);
        }
        else
        {
            var vjp = new ParameterVjp(network);
            var tangent = new LabelTangentSmoother(jvp.Parameters, data.TrainInputs, new LabelTangentOptions
            {
                OutputCount = 1,
                LossScale = settings.LossScale,
                Directions = settings.Smoother == SmootherChoice.Exact ? LabelDirections.ExactBasis : LabelDirections.Hutchinson,
                DirectionCount = settings.Directions,
                Seed = seed,
                SurrogateLabels = trainTargets,
                Preconditioner = settings.PreconditionerKind,
            }, f0Train);
            tangent.Track(RecipeSensitivity.Test, data.TestProbes, f0Test);
            Smoother = tangent;
            _step = (batch, optimizer, update) => tangent.Step(jvp, vjp, batch, optimizer, update);
            _predict = tangent.Predict;
        }
    }

    /// <summary>The kernel or label-tangent smoother (both checkpointable and disposable).</summary>
    public ISmoother Smoother { get; }

    /// <summary>Propagates step t; the network must still be at θ_{t-1}.</summary>
    public void Step(Tensor batch, ExactOptimizer optimizer, ParameterUpdate update) => _step(batch, optimizer, update);

    public void SaveState(CheckpointState state, string prefix) => ((ICheckpointable)Smoother).SaveState(state, prefix);

    public void LoadState(CheckpointState state, string prefix) => ((ICheckpointable)Smoother).LoadState(state, prefix);

    /// <summary>Gaps between the surrogate f̂_T, the telescoping model f̃_T and the network f_θT, on train and test probes.</summary>
    public (SmootherFidelity Train, SmootherFidelity Test) Fidelity(Mlp network, DoubleDescentTensors data)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        SmootherFidelity One(string set, Tensor inputs) =>
            SmootherFidelity.Compute(_predict(set), _tracker.Telescoped(set), network.forward(inputs).to_type(ScalarType.Float64));
        return (One(SmootherSets.Training, data.TrainInputs), One(RecipeSensitivity.Test, data.TestProbes));
    }

    public void Dispose() => ((IDisposable)Smoother).Dispose();
}
