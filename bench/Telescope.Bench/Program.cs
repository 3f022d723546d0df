using System.Globalization;
using System.Text.Json;
using Telescope.Autodiff;
using Telescope.Bench;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Smoothing;
using Telescope.Telescoping;
using TorchSharp;
using static TorchSharp.torch;

// Telescope benchmark: the cost of keeping the telescoping model, measured against the work it rides on.
// Usage: dotnet run --project bench/Telescope.Bench -c Release [-- --steps 200 --threads 2 --resnet-steps 10 --resnet-probes 50 --convolution-rounds 2]
//        … -- --gemm-only 1 [--threads 2 --gemm-rounds 7 --gemm-sizes 32,64,128]   GEMM GFLOP/s of each path only (docs/performance.md)
//        … -- --jvp-only 1 [--threads 2 --probes 1000]      forward-mode JVP on each GEMM path only (bench/compare-pytorch.sh)
//        any of these with --out results/performance/NAME.json: the report also written as a record (command, commit, wall time, load)
// Prints one JSON object on stdout (progress on stderr). Timings are medians over repetitions after warm-up.
Telescope.TorchRuntime.Configure();   // before anything loads LibTorch
if (args.Length >= 2 && args[0] == ConvolutionBackendCost.ChildFlag)
{
    // A child of ConvolutionBackendCost: one number on stdout.
    if (args.Length == 4 && args[2] == "--threads") torch.set_num_threads(int.Parse(args[3], CultureInfo.InvariantCulture));
    Console.WriteLine(ResNetBench.StepMs(int.Parse(args[1], CultureInfo.InvariantCulture), seed: 0).ToString("R", CultureInfo.InvariantCulture));
    return 0;
}
int steps = 200, threads = 2, probes = 1000, batch = 128, seed = 0, resnetSteps = 10, resnetProbes = 50, convolutionRounds = 2;
int gemmOnly = 0, gemmRounds = 7, jvpOnly = 0;
int[] gemmSizes = [256, 512, 1024];
string? outPath = null;
var record = new BenchRecord(args);
for (int i = 0; i + 1 < args.Length; i += 2)
{
    if (args[i] == "--out") { outPath = args[i + 1]; continue; }
    if (args[i] == "--gemm-sizes") { gemmSizes = args[i + 1].Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray(); continue; }
    int value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--steps": steps = value; break;
        case "--threads": threads = value; break;
        case "--probes": probes = value; break;
        case "--batch": batch = value; break;
        case "--resnet-steps": resnetSteps = value; break;
        case "--resnet-probes": resnetProbes = value; break;
        case "--convolution-rounds": convolutionRounds = value; break;
        case "--gemm-only": gemmOnly = value; break;
        case "--gemm-rounds": gemmRounds = value; break;
        case "--jvp-only": jvpOnly = value; break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}; use --out, --steps, --threads, --probes, --batch, --resnet-steps, --resnet-probes, --convolution-rounds, --gemm-only, --gemm-sizes, --gemm-rounds, --jvp-only."); return 2;
    }
}
void Log(string message) => Console.Error.WriteLine($"[bench] {message}");
var jsonOptions = new JsonSerializerOptions { WriteIndented = true };
if (gemmOnly != 0)
{
    // GEMM throughput of every available path at 1 and `threads` threads, nothing else.
    var gemm = GemmBench.Run(gemmSizes, threads == 1 ? [1] : [threads, 1], gemmRounds, Log);
    gemm["cpu"] = Telescope.CpuFacts.Describe();
    return Finish(gemm);
}
torch.set_num_threads(threads);
torch.manual_seed(seed);
var options = new MlpOptions { InputSize = 784, HiddenWidths = [512, 512], OutputSize = 10, DType = ScalarType.Float32 };
var model = new Mlp(options, seed);
var probeInputs = torch.rand(probes, 784);
var batches = Enumerable.Range(0, 8).Select(_ => (X: torch.rand(batch, 784), Y: torch.randint(0, 10, [batch]))).ToArray();
var forwardMode = new ForwardModeJvp(model);
var doubleBackward = new DoubleBackwardJvp(model);
using var tangentScale = 1e-3.ToScalar();
IReadOnlyList<Tensor> tangent = forwardMode.Parameters.Tensors.Select(p => torch.randn_like(p).mul_(tangentScale)).ToArray();

if (jvpOnly != 0)
{
    var jvpReport = GemmPathBench.JvpOnly(forwardMode, probeInputs, tangent);
    jvpReport["cpu"] = Telescope.CpuFacts.Describe();
    jvpReport["threads"] = threads;
    return Finish(jvpReport);
}
void Backward(int t)
{
    var (x, y) = batches[t % batches.Length];
    model.zero_grad();
    using var loss = nn.functional.cross_entropy(model.forward(x), y);
    loss.backward();
}

Log($"forward and JVPs over {probes} probe inputs");
var forward = Measurement.Time("forward", () => { using var _ = torch.no_grad(); model.forward(probeInputs).Dispose(); });
var jvpForward = Measurement.Time("jvp_forward_mode", () => forwardMode.Compute(probeInputs, [tangent]).Dispose());
var jvpDouble = Measurement.Time("jvp_double_backward", () => doubleBackward.Compute(probeInputs, [tangent]).Dispose());

Log($"{steps} plain SGD steps (exact optimizer, and torch.optim.SGD for reference)");
var exact = ExactOptimizers.Sgd(forwardMode.Parameters, learningRate: 0.01);
exact.IncludeComponents = false;   // the tracked step below tracks f̃ only, so neither step pays for the decomposition
var plain = Measurement.Time("plain_step", () => { for (int t = 0; t < steps; t++) { Backward(t); exact.Step().Dispose(); } }, warmup: 1, repetitions: 5);
var builtin = torch.optim.SGD(model.parameters(), 0.01);
var plainBuiltin = Measurement.Time("plain_step_builtin", () => { for (int t = 0; t < steps; t++) { Backward(t); builtin.step(); } }, warmup: 1, repetitions: 5);

Log($"{steps} tracked SGD steps ({probes} probe inputs, forward-mode engine, stride 1): exact optimizer, and black-box torch.optim.SGD, alternating");
var trackerOptions = new TelescopingOptions { TrackLinearized = false };
var (tracked, trackedBlackBox) = Measurement.TimeAlternating("tracked_step", () =>
{
    using var tracker = new TelescopingTracker(forwardMode, [new TrackedSet("probe", probeInputs)], trackerOptions);
    for (int t = 0; t < steps; t++) { Backward(t); tracker.Step(exact).Dispose(); }
}, "tracked_step_blackbox", () =>
{
    // The same step through the black-box path: θ snapshot, torch.optim's own step, Δθ by difference, J at θ_{t−1}.
    using var tracker = new TelescopingTracker(forwardMode, [new TrackedSet("probe", probeInputs)], trackerOptions);
    for (int t = 0; t < steps; t++) { Backward(t); tracker.Step(() => builtin.step()); }
}, warmup: 1, repetitions: 5);

Log("tangent-kernel blocks 1000×128 (layer-wise engine)");
var kernel = new MlpTangentKernel(model);
var kernelX = probeInputs;
var kernelY = batches[0].X;
var kernelTrace = Measurement.Time("kernel_trace", () => kernel.Compute(kernelX, kernelY, KernelOutputMode.Trace).Dispose(), warmup: 1, repetitions: 5);
var kernelFull = Measurement.Time("kernel_full", () => kernel.Compute(kernelX, kernelY, KernelOutputMode.Full).Dispose(), warmup: 1, repetitions: 5);

Log($"label-tangent smoother, Hutchinson D = 8, {probes} training inputs tracked, {Math.Min(steps, 20)} steps");
int tangentSteps = Math.Min(steps, 20);
var tangentTrain = probeInputs;   // the tracked training set; batches are drawn from it
var tangentBatches = Enumerable.Range(0, 8)
    .Select(b => torch.tensor(Enumerable.Range(b * batch, batch).Select(i => (long)(i % probes)).ToArray(), dtype: ScalarType.Int64))
    .ToArray();
var vjp = new ParameterVjp(model);
var labelTangent = Measurement.Time("label_tangent_d8_step", () =>
{
    using var smoother = new LabelTangentSmoother(forwardMode.Parameters, tangentTrain,
        new LabelTangentOptions { OutputCount = 10, LossScale = 0.1, Directions = LabelDirections.Hutchinson, DirectionCount = 8, Seed = seed });
    for (int t = 0; t < tangentSteps; t++)
    {
        var index = tangentBatches[t % tangentBatches.Length];
        model.zero_grad();
        using (var loss = nn.functional.mse_loss(model.forward(tangentTrain.index_select(0, index)), torch.zeros(batch, 10)))
            loss.backward();
        using var update = exact.ComputeUpdate();
        smoother.Step(forwardMode, vjp, index, exact, update);
        exact.Apply(update);
    }
}, warmup: 1, repetitions: 3);

double plainStep = plain.MedianMs / steps, trackedStep = tracked.MedianMs / steps, trackedBlackBoxStep = trackedBlackBox.MedianMs / steps;
double labelTangentStep = labelTangent.MedianMs / tangentSteps;
double Round(double v) => Math.Round(v, 4);
var report = new Dictionary<string, object>
{
    ["model"] = "MLP 784-512-512-10 ReLU, float32, cpu",
    ["cpu"] = Telescope.CpuFacts.Describe(),
    ["threads"] = threads,
    ["batch"] = batch,
    ["probe_inputs"] = probes,
    ["steps"] = steps,
    ["plain_step_ms"] = Round(plainStep),
    ["plain_step_builtin_sgd_ms"] = Round(plainBuiltin.MedianMs / steps),
    ["tracked_step_ms"] = Round(trackedStep),
    ["tracked_step_blackbox_ms"] = Round(trackedBlackBoxStep),
    ["ratio_tracked_blackbox_to_tracked"] = Round(trackedBlackBoxStep / trackedStep),
    ["forward_ms"] = Round(forward.MedianMs),
    ["jvp_forward_mode_ms"] = Round(jvpForward.MedianMs),
    ["jvp_double_backward_ms"] = Round(jvpDouble.MedianMs),
    ["kernel_trace_1000x128_ms"] = Round(kernelTrace.MedianMs),
    ["kernel_full_1000x128_ms"] = Round(kernelFull.MedianMs),
    ["label_tangent_d8_step_ms"] = Round(labelTangentStep),
    ["ratio_label_tangent_d8_step_to_plain_step"] = Round(labelTangentStep / plainStep),
    ["ratio_jvp_forward_mode_to_forward"] = Round(jvpForward.MedianMs / forward.MedianMs),
    ["ratio_jvp_double_backward_to_forward"] = Round(jvpDouble.MedianMs / forward.MedianMs),
    ["ratio_tracked_overhead_to_jvp"] = Round((trackedStep - plainStep) / jvpForward.MedianMs),
    ["goal_jvp_at_most_3x_forward"] = jvpForward.MedianMs <= 3 * forward.MedianMs,
    ["goal_tracked_at_most_plain_plus_1.2x_jvp"] = trackedStep <= plainStep + 1.2 * jvpForward.MedianMs,
    ["spread_ms"] = new[] { forward, jvpForward, jvpDouble, plain, plainBuiltin, tracked, trackedBlackBox, kernelTrace, kernelFull, labelTangent }
        .ToDictionary(m => m.Name, m => new { median = Round(m.MedianMs), min = Round(m.MinMs), max = Round(m.MaxMs), repetitions = m.Repetitions }),
};
foreach (var (key, value) in GemmPathBench.Run(forwardMode, kernel, probeInputs, kernelY, tangent, exact, Backward, steps, Log)) report[key] = value;
foreach (var (key, value) in GemmBench.Run([256, 512, 1024], [threads], gemmRounds, Log)) report[key] = value;
torch.set_num_threads(threads);
foreach (var (key, value) in ResNetBench.Run(resnetSteps, resnetProbes, seed, Log)) report[key] = value;
if (convolutionRounds > 0) foreach (var (key, value) in ConvolutionBackendCost.Run(resnetSteps, convolutionRounds, threads, Log)) report[key] = value;
return Finish(report);

int Finish(Dictionary<string, object> result)
{
    Console.WriteLine(JsonSerializer.Serialize(result, jsonOptions));
    if (outPath is not null) record.Write(outPath, result, jsonOptions);
    return 0;
}
