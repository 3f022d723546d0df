using Telescope.Autodiff;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Smoothing;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Telescope.Tests.Smoothing.KernelSmootherTests;

namespace Telescope.Tests.Smoothing;

/// <summary>
/// docs/method.md §4.3: label tangents equal the kernel recursion for plain SGD; equal central finite differences (in the
/// labels) of an independently written surrogate run for SGD with momentum, Nesterov and weight decay, Adam
/// (coupled L2) and AdamW; Hutchinson's estimate is S·vec(V) exactly and unbiased for ||S||²; and the
/// least-squares closed forms hold.
/// </summary>
public sealed class LabelTangentSmootherTests
{
    private static SgdOptimizer Sgd(Mlp model, double lr, double momentum = 0, bool nesterov = false, double decay = 0, double? clip = null) =>
        new(new TrainableParameters(model), new SgdOptions
        {
            LearningRate = new ConstantLearningRate(lr), Momentum = momentum, Nesterov = nesterov, WeightDecay = decay, MaxGradNorm = clip,
        });

    private static AdamOptimizer Adam(Mlp model, double lr, double decay, bool decoupled) =>
        new(new TrainableParameters(model), new AdamOptions
        {
            LearningRate = new ConstantLearningRate(lr), WeightDecay = decay, Decoupled = decoupled, Beta1 = 0.8, Beta2 = 0.95,
        });

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ExactBasisEqualsTheKernelRecursionForPlainSgd(int k)
    {
        const int steps = 10, batch = 3;
        const double lr = 0.3;
        double c = 1.0 / k;
        var data = new SmoothingFixture(n: 6, inputs: 3, outputs: k, testCount: 4, seed: 1);
        using var model = data.Network(hidden: 5, seed: 2);
        var f0 = SmoothingFixture.Predict(model, data.X);
        var f0Test = SmoothingFixture.Predict(model, data.XTest);
        using var kernelSmoother = new KernelSmoother(data.X, f0, new KernelSmootherOptions { LossScale = c, Mode = KernelOutputMode.Full });
        kernelSmoother.Track("test", data.XTest, f0Test);
        using var optimizer = Sgd(model, lr);
        using var tangents = new LabelTangentSmoother(optimizer.Parameters, data.X,
            new LabelTangentOptions { OutputCount = k, LossScale = c, Directions = LabelDirections.ExactBasis, SurrogateLabels = data.Y }, f0);
        tangents.Track("test", data.XTest, f0Test);

        data.Train(model, optimizer, steps, batch, c, batchSeed: 3, kernelSmoother, new MlpTangentKernel(model), tangents);

        foreach (var set in new[] { SmootherSets.Training, "test" })
        {
            AssertClose(kernelSmoother.FullWeights(set), tangents.Weights(set), 1e-10, $"S (2a vs 2b) on {set}");
            AssertClose(kernelSmoother.Predict(set, data.Y), tangents.Predict(set), 1e-10, $"f̂ (2a vs 2b) on {set}");
            AssertClose(kernelSmoother.SquaredNorms(set), tangents.SquaredNorms(set), 1e-10, $"||S||² (2a vs 2b) on {set}");
            Assert.Equal(EffectiveParameters.Compute(kernelSmoother, set).Value, EffectiveParameters.Compute(tangents, set).Value, 1e-9);
        }
    }

    public static TheoryData<string, TangentGradientMethod> Rules => new()
    {
        { "sgd-momentum-wd", TangentGradientMethod.Vjp },
        { "sgd-momentum-wd", TangentGradientMethod.BatchJacobian },
        { "sgd-nesterov-wd", TangentGradientMethod.Vjp },
        { "sgd-clipped-momentum-wd", TangentGradientMethod.Vjp },
        { "adam-l2", TangentGradientMethod.Vjp },
        { "adam-l2", TangentGradientMethod.BatchJacobian },
        { "adamw", TangentGradientMethod.Vjp },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void TangentsEqualCentralDifferencesOfTheSurrogateRun(string rule, TangentGradientMethod method)
    {
        const int n = 7, k = 2, steps = 8, batch = 3, directions = 3;
        const double c = 0.5, h = 0.5;
        var data = new SmoothingFixture(n, inputs: 3, outputs: k, testCount: 3, seed: 4);
        using var model = data.Network(hidden: 4, seed: 5);
        var f0 = SmoothingFixture.Predict(model, data.X);
        using IExactOptimizer optimizer = rule switch
        {
            "sgd-momentum-wd" => Sgd(model, 0.2, momentum: 0.9, decay: 0.05),
            "sgd-nesterov-wd" => Sgd(model, 0.2, momentum: 0.8, nesterov: true, decay: 0.05),
            "sgd-clipped-momentum-wd" => Sgd(model, 0.2, momentum: 0.9, decay: 0.05, clip: 0.05),
            "adam-l2" => Adam(model, 0.02, decay: 0.1, decoupled: false),
            "adamw" => Adam(model, 0.02, decay: 0.3, decoupled: true),
            _ => throw new ArgumentException(rule),
        };
        using var tangents = new LabelTangentSmoother(optimizer.Parameters, data.X,
            new LabelTangentOptions
            {
                OutputCount = k, LossScale = c, DirectionCount = directions, Seed = 7, SurrogateLabels = data.Y, GradientMethod = method,
            }, f0);
        tangents.Track("test", data.XTest, SmoothingFixture.Predict(model, data.XTest));
        var recording = data.Train(model, optimizer, steps, batch, c, batchSeed: 6, tangentSmoother: tangents, record: true);

        var surrogate = new SurrogateReplay(recording, rule, c);
        var propagated = torch.cat([tangents.Tangents(SmootherSets.Training), tangents.Tangents("test")], 1);   // [D, N_all, k]
        var v = tangents.LabelDirectionMatrix();
        using var shift = h.ToScalar();
        using var width = (2 * h).ToScalar();
        for (int d = 0; d < directions; d++)
        {
            var up = surrogate.Run(data.Y.add(v[d].mul(shift), TorchScalars.One));
            var down = surrogate.Run(data.Y - v[d].mul(shift));
            var difference = (up - down).div(width);
            AssertClose(difference, propagated[d], 1e-9, $"{rule}: ḟ̂ along direction {d} vs central difference");
        }
        var fHat = torch.cat([tangents.Predict(SmootherSets.Training), tangents.Predict("test")], 0);
        AssertClose(surrogate.Run(data.Y), fHat, 1e-9, $"{rule}: carried surrogate run vs replay");
        if (rule.Contains("clipped"))
            Assert.True(recording.GradientScales.Any(scale => scale < 0.5), "clipping never engaged; lower MaxGradNorm");
        // The surrogate must actually have moved: a vacuous run would pass the checks above.
        Assert.True(propagated.abs().max().item<double>() > 1e-2, $"{rule}: tangents stayed at zero");
    }

    [Theory]
    [InlineData("adam-l2")]
    [InlineData("adamw")]
    public void DifferentiatedPreconditionerEqualsCentralDifferencesOfTheSelfPreconditionedSurrogate(string rule)
    {
        // The surrogate with its own Adam second moment is not affine in the labels: a small step h, and a
        // tolerance for the O(h²) truncation and float64 cancellation (tangents here are O(0.1–1)).
        const int n = 7, k = 2, steps = 8, batch = 3, directions = 3;
        const double c = 0.5, h = 1e-5, tolerance = 1e-7;
        var data = new SmoothingFixture(n, inputs: 3, outputs: k, testCount: 3, seed: 4);
        using var model = data.Network(hidden: 4, seed: 5);
        var f0 = SmoothingFixture.Predict(model, data.X);
        using var optimizer = rule == "adamw" ? Adam(model, 0.02, decay: 0.3, decoupled: true) : Adam(model, 0.02, decay: 0.1, decoupled: false);
        using var tangents = new LabelTangentSmoother(optimizer.Parameters, data.X,
            new LabelTangentOptions
            {
                OutputCount = k, LossScale = c, DirectionCount = directions, Seed = 7, SurrogateLabels = data.Y,
                Preconditioner = TangentPreconditioner.Differentiated,
            }, f0);
        tangents.Track("test", data.XTest, SmoothingFixture.Predict(model, data.XTest));
        var recording = data.Train(model, optimizer, steps, batch, c, batchSeed: 6, tangentSmoother: tangents, record: true);

        var own = new SurrogateReplay(recording, rule, c, ownPreconditioner: true);
        var propagated = torch.cat([tangents.Tangents(SmootherSets.Training), tangents.Tangents("test")], 1);
        var v = tangents.LabelDirectionMatrix();
        using var shift = h.ToScalar();
        using var width = (2 * h).ToScalar();
        for (int d = 0; d < directions; d++)
        {
            var up = own.Run(data.Y.add(v[d].mul(shift), TorchScalars.One));
            var down = own.Run(data.Y - v[d].mul(shift));
            var difference = (up - down).div(width);
            AssertClose(difference, propagated[d], tolerance, $"{rule}: ḟ̂ along direction {d} vs central difference of the self-preconditioned surrogate");
        }
        var fHat = torch.cat([tangents.Predict(SmootherSets.Training), tangents.Predict("test")], 0);
        AssertClose(own.Run(data.Y), fHat, 1e-9, $"{rule}: carried self-preconditioned surrogate vs replay");
        // The option must matter here: the frozen-T surrogate differs from the self-preconditioned one, and so do
        // its tangents (the Ṫ term is not negligible).
        var frozen = new SurrogateReplay(recording, rule, c);
        Assert.True((frozen.Run(data.Y) - fHat).abs().max().item<double>() > 1e-4, "the surrogate's own T equals the realized one; the test is vacuous");
        var frozenTangent = (frozen.Run(data.Y.add(v[0], TorchScalars.One)) - frozen.Run(data.Y - v[0])).div(TorchScalars.Two);
        Assert.True((frozenTangent - propagated[0]).abs().max().item<double>() > 1e-4, "Ṫ made no difference; the test is vacuous");
    }

    [Fact]
    public void DifferentiatedPreconditionerNeedsTheSurrogateRun()
    {
        var e = Assert.Throws<ArgumentException>(() => new LabelTangentOptions { OutputCount = 1, Preconditioner = TangentPreconditioner.Differentiated }.Validate());
        Assert.Contains("SurrogateLabels", e.Message);
    }

    [Fact]
    public void HutchinsonEqualsSTimesVAndIsUnbiasedForTheSquaredNorm()
    {
        const int n = 6, k = 2, steps = 6, batch = 3, directions = 8, seeds = 20;
        const double c = 0.5;
        var data = new SmoothingFixture(n, inputs: 3, outputs: k, testCount: 4, seed: 8);
        (LabelTangentSmoother Smoother, Mlp Model) Run(LabelTangentOptions options)
        {
            var model = data.Network(hidden: 4, seed: 9);
            using var optimizer = Sgd(model, 0.3, momentum: 0.5, decay: 0.01);
            var smoother = new LabelTangentSmoother(optimizer.Parameters, data.X, options);
            smoother.Track("test", data.XTest);
            data.Train(model, optimizer, steps, batch, c, batchSeed: 10, tangentSmoother: smoother);
            return (smoother, model);
        }

        var (exact, exactModel) = Run(new LabelTangentOptions { OutputCount = k, LossScale = c, Directions = LabelDirections.ExactBasis });
        var pTrain = EffectiveParameters.Compute(exact, SmootherSets.Training).Value;
        var pTest = EffectiveParameters.Compute(exact, "test").Value;
        var s = exact.Weights("test");                                                          // [N, k, nk]

        var trainEstimates = new List<EffectiveParameterEstimate>();
        var testEstimates = new List<EffectiveParameterEstimate>();
        for (int seed = 0; seed < seeds; seed++)
        {
            var (h, model) = Run(new LabelTangentOptions { OutputCount = k, LossScale = c, DirectionCount = directions, Seed = 100 + seed });
            using (h)
            using (model)
            {
                if (seed == 0)
                {
                    // Deterministic part: ḟ̂_d = S·vec(V_d) for the stored directions.
                    var v = h.LabelDirectionMatrix().reshape(directions, n * k);
                    AssertClose(torch.einsum("xaj,dj->dxa", s, v), h.Tangents("test"), 1e-10, "Hutchinson tangents vs S·vec(V)");
                    // Per-input estimate and standard error: mean and sd/sqrt(D) of ||ḟ̂_d(x)||² over directions.
                    var samples = h.Tangents("test").pow(TorchScalars.Two).sum(2);                                  // [D, N]
                    AssertClose(samples.mean([0]), h.SquaredNorms("test"), 1e-12, "per-input Hutchinson mean");
                    using var sqrtDirections = Math.Sqrt(directions).ToScalar();
                    AssertClose(samples.std(0, unbiased: true).div(sqrtDirections), h.SquaredNormStandardErrors("test"), 1e-12,
                        "per-input Hutchinson standard error");
                }
                trainEstimates.Add(EffectiveParameters.Compute(h, SmootherSets.Training));
                testEstimates.Add(EffectiveParameters.Compute(h, "test"));
            }
        }
        foreach (var (name, exactValue, estimates) in new[] { ("p_train", pTrain, trainEstimates), ("p_test", pTest, testEstimates) })
        {
            var values = estimates.Select(e => e.Value).ToArray();
            double mean = values.Average();
            double sd = Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / (seeds - 1));
            double se = sd / Math.Sqrt(seeds);
            Assert.True(Math.Abs(mean - exactValue) <= 3 * se,
                $"{name}: mean of {seeds} Hutchinson estimates {mean:F4} vs exact {exactValue:F4}, 3 SE = {3 * se:F4}");
            // The reported per-run standard error must describe the spread between runs.
            double reported = Math.Sqrt(estimates.Average(e => e.StandardError * e.StandardError));
            Assert.InRange(reported / sd, 0.5, 2.0);
            Assert.All(estimates, e => Assert.False(e.IsExact));
        }
        exact.Dispose();
        exactModel.Dispose();
    }

    [Fact]
    public void LeastSquaresAndMinimumNormClosedFormsHold()
    {
        // q < n: S(X) = X(XᵀX)⁻¹Xᵀ and p_train = q.
        {
            var data = new SmoothingFixture(n: 12, inputs: 3, outputs: 1, testCount: 3, seed: 12);
            using var model = data.Network(hidden: 0, seed: 1, bias: false);
            var x = data.X;
            using var sampleCount = 12.ToScalar();
            var eig = torch.linalg.eigvalsh(x.T.mm(x).div(sampleCount));
            double lr = 2.0 / (eig.min().item<double>() + eig.max().item<double>());
            using var optimizer = Sgd(model, lr);
            using var smoother = new LabelTangentSmoother(optimizer.Parameters, x,
                new LabelTangentOptions { OutputCount = 1, Directions = LabelDirections.ExactBasis });
            data.Train(model, optimizer, steps: 80, batchSize: 12, c: 1.0, batchSeed: 1, tangentSmoother: smoother);
            var hat = x.mm(torch.linalg.inv(x.T.mm(x))).mm(x.T);
            AssertClose(hat, smoother.Weights(SmootherSets.Training).squeeze(1), 1e-9, "S(X_train) vs hat matrix");
            Assert.Equal(3.0, EffectiveParameters.Compute(smoother, SmootherSets.Training).Value, 1e-6);
        }
        // q > n from w = 0: S(X) = I and p_train = n.
        {
            var data = new SmoothingFixture(n: 6, inputs: 30, outputs: 1, testCount: 3, seed: 13);
            using var model = data.Network(hidden: 0, seed: 1, bias: false);
            using (torch.no_grad()) model.Layers[0].weight!.zero_();
            var x = data.X;
            using var sampleCount = 6.ToScalar();
            var eig = torch.linalg.eigvalsh(x.mm(x.T).div(sampleCount));
            double lr = 2.0 / (eig.min().item<double>() + eig.max().item<double>());
            using var optimizer = Sgd(model, lr);
            using var smoother = new LabelTangentSmoother(optimizer.Parameters, x,
                new LabelTangentOptions { OutputCount = 1, Directions = LabelDirections.ExactBasis });
            data.Train(model, optimizer, steps: 80, batchSize: 6, c: 1.0, batchSeed: 1, tangentSmoother: smoother);
            AssertClose(torch.eye(6, dtype: ScalarType.Float64), smoother.Weights(SmootherSets.Training).squeeze(1), 1e-9, "S(X_train) vs I");
            Assert.Equal(6.0, EffectiveParameters.Compute(smoother, SmootherSets.Training).Value, 1e-6);
        }
    }

    [Fact]
    public void BadInputIsRejectedWithAMessage()
    {
        var data = new SmoothingFixture(n: 4, inputs: 2, outputs: 1, testCount: 2, seed: 1);
        using var model = data.Network(hidden: 3, seed: 1);
        var parameters = new TrainableParameters(model);
        Assert.Throws<ArgumentException>(() => new LabelTangentSmoother(parameters, data.X, new LabelTangentOptions { OutputCount = 0 }));
        var ex = Assert.Throws<ArgumentException>(() => new LabelTangentSmoother(parameters, data.X,
            new LabelTangentOptions { OutputCount = 1, SurrogateLabels = data.Y }));
        Assert.Contains("initial predictions", ex.Message);
        using var smoother = new LabelTangentSmoother(parameters, data.X, new LabelTangentOptions { OutputCount = 1, DirectionCount = 2 });
        Assert.Throws<InvalidOperationException>(() => smoother.Weights(SmootherSets.Training));
        Assert.Throws<InvalidOperationException>(() => smoother.Predict(SmootherSets.Training));
        var adamRule = new TangentStepRule { Kind = TangentOptimizerKind.Adam, Step = 1, LearningRate = 0.1, Beta1 = 0.9 };
        var missing = Assert.Throws<ArgumentException>(() =>
            smoother.Step(new ForwardModeJvp(model), new ParameterVjp(model), torch.tensor(new long[] { 0 }), adamRule));
        Assert.Contains("preconditioner", missing.Message);
    }

    /// <summary>
    /// The surrogate run of docs/method.md §4, written out in flat θ-space from the recorded realized Jacobians and
    /// Adam preconditioners (or, with ownPreconditioner, Adam's v from the surrogate's own gradients) — no code shared with <see cref="LabelTangentSmoother"/>.
    /// </summary>
    private sealed class SurrogateReplay(SmoothingFixture.Recording recording, string rule, double c, bool ownPreconditioner = false)
    {
        public Tensor Run(Tensor labels)
        {
            var f = recording.InitialPredictions.clone();                                 // [N_all, k]
            var theta = recording.InitialTheta.clone();                                    // [P]
            var moment = torch.zeros_like(theta);
            var second = torch.zeros_like(theta);
            using var lossScale = c.ToScalar();
            using var sgdMomentum = 0.9.ToScalar();           // sgd-momentum-wd, sgd-clipped-momentum-wd
            using var nesterovMomentum = 0.8.ToScalar();      // sgd-nesterov-wd
            using var sgdDecay = 0.05.ToScalar();             // the SGD rules' weight decay
            using var beta1 = 0.8.ToScalar();                 // Adam
            using var oneMinusBeta1 = 0.2.ToScalar();
            using var beta2 = 0.95.ToScalar();
            using var oneMinusBeta2 = 0.05.ToScalar();
            using var epsilon = 1e-8.ToScalar();
            for (int t = 0; t < recording.Jacobians.Count; t++)
            {
                var j = recording.Jacobians[t];                                            // [N_all, k, P]
                var b = recording.Batches[t];
                double lr = recording.Rates[t];
                using var minusLearningRate = (-lr).ToScalar();
                using var batchSize = b.shape[0].ToScalar();
                using var gradientScale = recording.GradientScales[t].ToScalar();
                var residual = (f.index_select(0, b) - labels.index_select(0, b)).mul(lossScale);
                // Clipping rescales the realized gradient by s_t; the surrogate freezes that factor.
                var gradient = torch.einsum("bkp,bk->p", j.index_select(0, b), residual).div(batchSize).mul(gradientScale);
                Tensor step;
                switch (rule)
                {
                    case "sgd-momentum-wd":
                    case "sgd-clipped-momentum-wd":
                        moment = moment.mul(sgdMomentum).add(gradient.add(theta.mul(sgdDecay), TorchScalars.One), TorchScalars.One);
                        step = moment.mul(minusLearningRate);
                        break;
                    case "sgd-nesterov-wd":
                        {
                            var g = gradient.add(theta.mul(sgdDecay), TorchScalars.One);
                            moment = moment.mul(nesterovMomentum).add(g, TorchScalars.One);
                            step = g.add(moment.mul(nesterovMomentum), TorchScalars.One).mul(minusLearningRate);
                            break;
                        }
                    case "adam-l2":
                    case "adamw":
                        {
                            bool decoupled = rule == "adamw";
                            double lambda = decoupled ? 0.3 : 0.1;
                            using var weightDecay = lambda.ToScalar();
                            var g = decoupled ? gradient : gradient.add(theta.mul(weightDecay), TorchScalars.One);
                            moment = moment.mul(beta1).add(g.mul(oneMinusBeta1), TorchScalars.One);
                            // Own preconditioner: Adam's v from the surrogate's own gradients (β2 = 0.95, ε = 1e-8).
                            second = second.mul(beta2).add(g.mul(oneMinusBeta2) * g, TorchScalars.One);
                            using var secondCorrection = (1 - Math.Pow(0.95, t + 1)).ToScalar();
                            var preconditioner = ownPreconditioner
                                ? second.div(secondCorrection).sqrt().add(epsilon, TorchScalars.One).reciprocal()   // 1 / (√v̂ + ε)
                                : recording.Preconditioners[t]!;
                            using var correctedStep = (-lr / (1 - Math.Pow(0.8, t + 1))).ToScalar();
                            step = preconditioner.mul(correctedStep) * moment;
                            if (decoupled)
                            {
                                using var decayStep = (lr * lambda).ToScalar();
                                step = step - theta.mul(decayStep);
                            }
                            break;
                        }
                    default: throw new ArgumentException(rule);
                }
                theta = theta.add(step, TorchScalars.One);
                f = f.add(torch.einsum("nkp,p->nk", j, step), TorchScalars.One);
            }
            return f;
        }
    }
}
