using System.Globalization;
using System.Text;

namespace Telescope.Boosting;

/// <summary>
/// LightGBM settings under which every leaf value equals learning_rate × mean residual of its training rows,
/// so that the ensemble is exactly a telescoping model with a leaf kernel (docs/method.md §6). Rendered to LightGBM's
/// parameter string by <see cref="ToParameterString"/>, which also pins every identity-relevant setting
/// explicitly (objective=regression, lambda_l1=lambda_l2=0, no bagging, no GOSS, …).
/// </summary>
public sealed record GbtOptions
{
    /// <summary>η, the shrinkage applied to every tree.</summary>
    public double LearningRate { get; init; } = 0.1;
    public int NumLeaves { get; init; } = 31;
    /// <summary>Maximum tree depth; ≤ 0 means no limit.</summary>
    public int MaxDepth { get; init; } = -1;
    /// <summary>Minimum number of training rows in a leaf (≥ 1, so that every leaf kernel is well defined).</summary>
    public int MinDataInLeaf { get; init; } = 20;
    /// <summary>Fraction of features considered per tree, in (0, 1]. Changes only which splits are found.</summary>
    public double FeatureFraction { get; init; } = 1.0;
    /// <summary>Random split thresholds (extremely randomized trees). Changes only which splits are found.</summary>
    public bool ExtraTrees { get; init; }
    /// <summary>Number of boosting rounds for <see cref="GbtRegressor.Train"/>.</summary>
    public int NumRounds { get; init; } = 100;
    public int Seed { get; init; }
    public bool Deterministic { get; init; } = true;
    /// <summary>OpenMP threads; 1 by default (reproducible, and the machine is shared). 0 = OpenMP default.</summary>
    public int NumThreads { get; init; } = 1;
    /// <summary>Start from the label mean (LightGBM folds it into tree 0); then S_0 = (1/n)·1ᵀ, else S_0 = 0.</summary>
    public bool BoostFromAverage { get; init; } = true;
    /// <summary>
    /// Further LightGBM parameters passed through verbatim (e.g. max_bin). Keys that break the leaf-value
    /// identity, or that duplicate a typed property, are rejected by <see cref="Validate"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string> ExtraParameters { get; init; } = new Dictionary<string, string>();

    // Typed properties own these keys (and their LightGBM aliases); setting them through ExtraParameters
    // would silently fight the typed value.
    private static readonly Dictionary<string, string> TypedKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        ["learning_rate"] = nameof(LearningRate), ["shrinkage_rate"] = nameof(LearningRate), ["eta"] = nameof(LearningRate),
        ["num_leaves"] = nameof(NumLeaves), ["num_leaf"] = nameof(NumLeaves), ["max_leaves"] = nameof(NumLeaves), ["max_leaf"] = nameof(NumLeaves), ["max_leaf_nodes"] = nameof(NumLeaves),
        ["max_depth"] = nameof(MaxDepth),
        ["min_data_in_leaf"] = nameof(MinDataInLeaf), ["min_data_per_leaf"] = nameof(MinDataInLeaf), ["min_data"] = nameof(MinDataInLeaf), ["min_child_samples"] = nameof(MinDataInLeaf), ["min_samples_leaf"] = nameof(MinDataInLeaf),
        ["feature_fraction"] = nameof(FeatureFraction), ["sub_feature"] = nameof(FeatureFraction), ["colsample_bytree"] = nameof(FeatureFraction),
        ["extra_trees"] = nameof(ExtraTrees), ["extra_tree"] = nameof(ExtraTrees),
        ["num_iterations"] = nameof(NumRounds), ["num_iteration"] = nameof(NumRounds), ["n_iter"] = nameof(NumRounds), ["num_tree"] = nameof(NumRounds), ["num_trees"] = nameof(NumRounds), ["num_round"] = nameof(NumRounds), ["num_rounds"] = nameof(NumRounds), ["nrounds"] = nameof(NumRounds), ["num_boost_round"] = nameof(NumRounds), ["n_estimators"] = nameof(NumRounds), ["max_iter"] = nameof(NumRounds),
        ["seed"] = nameof(Seed), ["random_seed"] = nameof(Seed), ["random_state"] = nameof(Seed),
        ["deterministic"] = nameof(Deterministic),
        ["num_threads"] = nameof(NumThreads), ["num_thread"] = nameof(NumThreads), ["nthread"] = nameof(NumThreads), ["nthreads"] = nameof(NumThreads), ["n_jobs"] = nameof(NumThreads),
        ["boost_from_average"] = nameof(BoostFromAverage),
        ["verbosity"] = "(fixed at -1)", ["verbose"] = "(fixed at -1)",
    };

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the offending setting and why it would break the
    /// leaf-value identity f_b = f_{b−1} + η·(mean residual of the leaf) (docs/method.md §6).
    /// </summary>
    public void Validate()
    {
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentException($"LearningRate must be a positive finite number, got {LearningRate}.");
        if (NumLeaves < 2) throw new ArgumentException($"NumLeaves must be at least 2, got {NumLeaves}.");
        if (MinDataInLeaf < 1)
            throw new ArgumentException($"MinDataInLeaf must be at least 1 (a leaf without training rows has no kernel row), got {MinDataInLeaf}.");
        if (!(FeatureFraction > 0 && FeatureFraction <= 1))
            throw new ArgumentException($"FeatureFraction must be in (0, 1], got {FeatureFraction}.");
        if (NumRounds < 1) throw new ArgumentException($"NumRounds must be at least 1, got {NumRounds}.");
        if (NumThreads < 0) throw new ArgumentException($"NumThreads must be ≥ 0 (0 = OpenMP default), got {NumThreads}.");

        foreach (var (rawKey, value) in ExtraParameters)
        {
            string key = rawKey.Trim();
            if (key.Length == 0 || key.Any(char.IsWhiteSpace) || key.Contains('=') || value.Any(char.IsWhiteSpace) || value.Contains('='))
                throw new ArgumentException($"ExtraParameters entry '{rawKey}={value}' is not a single LightGBM key=value token.");
            if (TypedKeys.TryGetValue(key, out string? property))
                throw new ArgumentException($"ExtraParameters sets '{key}', which is controlled by GbtOptions.{property}; set that property instead.");
            string? reason = ForbiddenReason(key, value);
            if (reason is not null)
                throw new ArgumentException($"LightGBM parameter '{key}={value}' is not allowed: {reason} (docs/method.md §6: the leaf value must equal learning_rate × mean residual of the leaf's training rows).");
        }
    }

    /// <summary>Why a parameter breaks the leaf-value identity, or null when it is harmless.</summary>
    private static string? ForbiddenReason(string key, string value)
    {
        string k = key.ToLowerInvariant();
        double? number = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : null;
        bool truthy = value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1" || value == "+";
        switch (k)
        {
            case "lambda_l2" or "reg_lambda" or "lambda":
                return number == 0 ? null : "lambda_l2 > 0 shrinks each leaf value to Σresidual/(count + lambda_l2), not the mean";
            case "lambda_l1" or "reg_alpha" or "l1_regularization":
                return number == 0 ? null : "lambda_l1 > 0 soft-thresholds the residual sum of each leaf";
            case "bagging_fraction" or "sub_row" or "subsample" or "bagging" or "pos_bagging_fraction" or "pos_sub_row" or "pos_subsample" or "pos_bagging" or "neg_bagging_fraction" or "neg_sub_row" or "neg_subsample" or "neg_bagging":
                return number == 1 ? null : "bagging fits each leaf on a row subsample, so its value is not the mean residual of all its training rows";
            case "bagging_freq" or "subsample_freq":
                return number == 0 ? null : "bagging fits each leaf on a row subsample, so its value is not the mean residual of all its training rows";
            case "bagging_by_query":
                return truthy ? "bagging fits each leaf on a row subsample" : null;
            case "data_sample_strategy":
                return value.Equals("bagging", StringComparison.OrdinalIgnoreCase) ? null : "GOSS reweights the gradients of sampled rows";
            case "boosting" or "boosting_type" or "boost":
                return value.Equals("gbdt", StringComparison.OrdinalIgnoreCase) || value.Equals("gbrt", StringComparison.OrdinalIgnoreCase)
                    ? null : $"boosting={value} (GOSS reweights gradients, DART rescales earlier trees, random forest bags and averages)";
            case "top_rate" or "other_rate":
                return "GOSS reweights the gradients of sampled rows";
            case "path_smooth":
                return number == 0 ? null : "path_smooth > 0 blends each leaf value with its parent's";
            case "max_delta_step" or "max_tree_output" or "max_leaf_output":
                return number is <= 0 ? null : "max_delta_step > 0 clips leaf values";
            case "use_quantized_grad":
                return truthy ? "quantized gradients round each residual before the leaf mean" : null;
            case "linear_tree" or "linear_trees":
                return truthy ? "linear trees fit a linear model in each leaf instead of a constant" : null;
            case "objective" or "objective_type" or "app" or "application" or "loss":
                return value.ToLowerInvariant() is "regression" or "regression_l2" or "l2" or "mean_squared_error" or "mse"
                    ? null : $"objective={value}: only the squared loss (regression) has leaf value = mean residual";
            case "reg_sqrt":
                return truthy ? "reg_sqrt fits the square root of the label" : null;
            case "monotone_constraints" or "mc" or "monotone_constraint" or "monotonic_cst":
                return "monotone constraints clamp leaf values";
            case "init_score_file" or "input_model":
                return "a start score other than the label mean or zero is not part of the smoother S_0";
            case "num_class" or "num_classes":
                return number == 1 ? null : "only single-output regression is a telescoping leaf-kernel model here";
            default:
                return null;
        }
    }

    /// <summary>Validates and renders the LightGBM parameter string (space-separated key=value, invariant culture).</summary>
    public string ToParameterString()
    {
        Validate();
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        void Add(string key, string value) => sb.Append(sb.Length == 0 ? "" : " ").Append(key).Append('=').Append(value);
        static string Bool(bool b) => b ? "true" : "false";

        Add("objective", "regression");
        Add("boosting", "gbdt");
        Add("learning_rate", LearningRate.ToString("R", ic));
        Add("num_leaves", NumLeaves.ToString(ic));
        Add("max_depth", MaxDepth.ToString(ic));
        Add("min_data_in_leaf", MinDataInLeaf.ToString(ic));
        Add("feature_fraction", FeatureFraction.ToString("R", ic));
        Add("extra_trees", Bool(ExtraTrees));
        Add("num_iterations", NumRounds.ToString(ic));
        Add("seed", Seed.ToString(ic));
        Add("deterministic", Bool(Deterministic));
        Add("num_threads", NumThreads.ToString(ic));
        Add("boost_from_average", Bool(BoostFromAverage));
        // Pinned so that the identity never depends on LightGBM's defaults.
        Add("lambda_l1", "0");
        Add("lambda_l2", "0");
        Add("bagging_fraction", "1");
        Add("bagging_freq", "0");
        Add("data_sample_strategy", "bagging");
        Add("path_smooth", "0");
        Add("max_delta_step", "0");
        Add("use_quantized_grad", "false");
        Add("linear_tree", "false");
        Add("verbosity", "-1");
        foreach (var (key, value) in ExtraParameters) Add(key.Trim(), value);
        return sb.ToString();
    }
}
