using Telescope.Runs;
using Telescope.Verdicts;

namespace Telescope.Recipes.GrokkingModular;

/// <summary>The settings of the grokking-modular recipe (docs/recipes/grokking-modular.md), one declaration each.</summary>
public sealed record GrokkingModularSettings(long Seed, string Operation, int Modulus,
    IReadOnlyList<double> TrainFractions, IReadOnlyList<double> WeightDecays, int ModelDim, int Heads, int MlpWidth,
    int Layers, bool LayerNorm, double LearningRate, double Beta1, double Beta2, int Steps, int LogPerDecade,
    int LogEvery, int TelescopingProbes, string Sensitivity, string SensitivityOutput, int SensitivityDirections,
    double SensitivitySigma, bool SensitivityLinearity, double SensitivityLinearitySe, int SpectrumProbes,
    int SpectrumTopK, string SpectrumMethod, bool SpectrumCentered, double TrainAccuracyThreshold, double TestAccuracyThreshold,
    double DelayFactor, double ClearlyBelowFraction, IReadOnlyList<long> Seeds, VerdictCriteria Verdicts,
    ComputeSettings Compute)
{
    private const string Nanda = "Nanda et al. 2023 (progress measures for grokking)";


    /// <summary>Name of the setting "long after" is judged by (the report cites it).</summary>
    public const string DelayFactorName = "grokking_delay_factor";
    /// <summary>Name of the effect-size floor of "p_net_test clearly below p_net_train".</summary>
    public const string ClearlyBelowFractionName = "clearly_below_fraction";

    public static SettingsSchema<GrokkingModularSettings> Schema { get; } = new SettingsSchema<GrokkingModularSettings>()
        .Seed(x => x.Seed)
        .String(x => x.Operation, "operation", "add", "The table learnt: add (a + b), subtract (a − b), multiply (a·b) or square_sum (a² + b²), all mod p",
            choices: ModularTask.Operations, source: Nanda)
        .Int(x => x.Modulus, "p", 31, "The modulus p: p² pairs (a, b), p classes (a prime; Nanda et al.'s is 113; 31 is sized to 2 cores, docs/recipes/grokking-modular.md)",
            min: 2)
        .DoubleList(x => x.TrainFractions, "train_fractions", [0.4, 0.6], "Training fractions of the p² table (the rest is the test set); a sweep axis",
            quick: [0.5], min: 0.01, max: 0.99)
        .DoubleList(x => x.WeightDecays, "weight_decays", [1, 2, 4], "AdamW's decoupled weight decay λ; a sweep axis (Nanda et al.: 1)",
            quick: [2], min: 0)
        .Int(x => x.ModelDim, "d_model", 64, "Transformer width d_model (Nanda et al.: 128)", min: 1)
        .Int(x => x.Heads, "heads", 4, "Attention heads (must divide d_model)", min: 1, source: Nanda)
        .Int(x => x.MlpWidth, "d_mlp", 256, "Hidden width of the block's ReLU MLP (Nanda et al.: 512)", min: 1)
        .Int(x => x.Layers, "layers", 1, "Transformer layers", min: 1, source: Nanda)
        .Bool(x => x.LayerNorm, "layer_norm", false, "Pre-LayerNorm in every block and before the readout", source: Nanda)
        .Double(x => x.LearningRate, "lr", 3e-3, "AdamW learning rate γ (constant; full batch; Nanda et al.: 1e-3)", min: 0)
        .Double(x => x.Beta1, "beta1", 0.9, "AdamW β1", min: 0, max: 0.999, source: Nanda)
        .Double(x => x.Beta2, "beta2", 0.98, "AdamW β2", min: 0, max: 0.9999, source: Nanda)
        .Int(x => x.Steps, "steps", 2000, "Full-batch training steps per sub-run", quick: 1000, min: 1)
        .Int(x => x.LogPerDecade, "log_per_decade", 10, "Logged steps per factor 10 of the step (geometric grid; with log_every)", min: 1)
        .Int(x => x.LogEvery, "log_every", 100, "Also log every this many steps (resolves the late transition)", min: 1)
        .Int(x => x.TelescopingProbes, "telescoping_probes", 256, "Training and test inputs (each) on which the telescoping model f̃ is tracked every step; 0 = off", min: 0)
        .String(x => x.Sensitivity, "sensitivity", "retraining",
            "p_net_train / p_net_test by retraining on soft targets Y ± σV (docs/recipes/grokking-modular.md): retraining, or none",
            choices: ["retraining", "none"])
        .String(x => x.SensitivityOutput, "sensitivity_output", "probabilities",
            "Where p_net's response ŝ = (f_+ − f_−)/(2σ) is read: probabilities (softmax, the mean space of cross-entropy, bounded) or logits (unbounded where predictions are confident)",
            choices: ["probabilities", "logits"])
        .Int(x => x.SensitivityDirections, "sensitivity_directions", 2, "D, Rademacher directions of p_net over the n·p one-hot entries (two members each)", min: 2)
        .Double(x => x.SensitivitySigma, "sensitivity_sigma", 0.1, "σ of p_net: the soft targets are Y ± σV (10% of a one-hot entry)", min: 1e-12)
        .Bool(x => x.SensitivityLinearity, "sensitivity_linearity", true, "Repeat V_0 at σ/4 (two more members): p_net counts as a first-order measurement only where p_0(σ) and p_0(σ/4) agree")
        .Double(x => x.SensitivityLinearitySe, "sensitivity_linearity_se", 1.0, "p_0(σ) and p_0(σ/4) agree when they differ by at most this many standard errors of p_net", min: 0)
        .Int(x => x.SpectrumProbes, "spectrum_probes", 32, "Training and test inputs (each) whose tangent kernel (n·p × n·p, all output blocks) is logged; 0 = off",
            quick: 16, min: 0)
        .Int(x => x.SpectrumTopK, "spectrum_top_k", 10, "Top eigenpairs of the kernel logged (span of the energy share and the rotation)", min: 1)
        .String(x => x.SpectrumMethod, "spectrum_method", "lanczos",
            "Eigensolver: lanczos (matrix-free, min(n·p, 2k + 40) kernel products per log) or exact (the explicit kernel and eigh: one backward pass per kernel row, slow beyond a few hundred rows)",
            choices: ["lanczos", "exact"])
        .Bool(x => x.SpectrumCentered, "spectrum_centered", true,
            "Also log the output-centred alignment, blind to shifts of all p logits of a pair (which cross-entropy ignores; docs/method.md §11.3)")
        .Double(x => x.TrainAccuracyThreshold, "train_accuracy_threshold", 0.99, "Training accuracy at which the training set counts as fitted (saturated)", min: 0, max: 1)
        .Double(x => x.TestAccuracyThreshold, "test_accuracy_threshold", 0.9, "Test accuracy at which the run counts as grokked", min: 0, max: 1)
        .Double(x => x.DelayFactor, DelayFactorName, 3, "'Test accuracy rises long after train accuracy saturates' needs the grokking step ≥ this many times the fitting step (fixed before any run)", min: 1)
        .Double(x => x.ClearlyBelowFraction, ClearlyBelowFractionName, 0.1, "'p_net_test clearly below p_net_train' needs a gap of at least this share of p_net_train (and more than verdict_gap_se_factor standard errors)", min: 0, max: 1)
        .Seeds(x => x.Seeds, full: [0, 1], quick: [])
        .Verdicts(x => x.Verdicts)
        .Compute(x => x.Compute);
}
