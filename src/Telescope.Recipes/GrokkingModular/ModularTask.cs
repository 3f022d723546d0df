using System.Numerics;
using Telescope.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Recipes.GrokkingModular;

/// <summary>
/// The modular-arithmetic table of Power et al. (2022) and Nanda et al. (2023): every pair (a, b) ∈ [0, p)² as the
/// token sequence "a b =" (ids a, b and p for '='), labelled c = op(a, b) mod p. A seeded permutation of the p²
/// pairs puts the first round(fraction·p²) into the training set and the rest into the test set, so two fractions
/// drawn from the same seed nest (the smaller training set is a prefix of the larger).
/// </summary>
internal sealed class ModularTask
{
    /// <summary>The operations: add (a + b), subtract (a − b), multiply (a·b), square_sum (a² + b²), all mod p.</summary>
    public static readonly string[] Operations = ["add", "subtract", "multiply", "square_sum"];

    private readonly int[] _order;

    /// <param name="operation">One of <see cref="Operations"/>.</param>
    /// <param name="modulus">p ≥ 2.</param>
    /// <param name="splitSeed">Seed of the train/test permutation (shared by every repetition).</param>
    public ModularTask(string operation, int modulus, long splitSeed)
    {
        if (!Operations.Contains(operation))
            throw new TelescopeException($"Unknown operation '{operation}'.") { Hint = $"Use one of {string.Join(", ", Operations)}." };
        if (modulus < 2) throw new TelescopeException($"p = {modulus} leaves nothing to learn.") { Hint = "Use p ≥ 2, e.g. --set p=31." };
        Operation = operation;
        Modulus = modulus;
        _order = SplitMix64.Permutation(modulus * modulus, (ulong)splitSeed ^ 0x6D6F64UL);
    }

    public string Operation { get; }
    public int Modulus { get; }
    /// <summary>p² pairs.</summary>
    public int PairCount => Modulus * Modulus;
    /// <summary>Tokens: 0 … p − 1 and '=' (id p).</summary>
    public int VocabSize => Modulus + 1;

    /// <summary>A human-readable formula, e.g. "(a + b) mod 53".</summary>
    public string Formula => Operation switch
    {
        "add" => $"(a + b) mod {Modulus}",
        "subtract" => $"(a − b) mod {Modulus}",
        "multiply" => $"(a·b) mod {Modulus}",
        _ => $"(a² + b²) mod {Modulus}",
    };

    /// <summary>op(a, b) mod p in [0, p).</summary>
    public int Label(int a, int b)
    {
        BigInteger value = Operation switch
        {
            "add" => (BigInteger)a + b,
            "subtract" => (BigInteger)a - b,
            "multiply" => (BigInteger)a * b,
            _ => (BigInteger)a * a + (BigInteger)b * b,
        };
        var r = (int)(value % Modulus);
        return r < 0 ? r + Modulus : r;
    }

    /// <summary>The number of training pairs for <paramref name="fraction"/> (at least one in each set).</summary>
    public int TrainCount(double fraction)
    {
        int n = (int)Math.Round(fraction * PairCount);
        if (n < 1 || n >= PairCount)
            throw new TelescopeException($"Training fraction {fraction} of the {PairCount} pairs leaves an empty training or test set.")
            { Hint = "Use a fraction strictly between 1/p² and 1 − 1/p², e.g. 0.3–0.5." };
        return n;
    }

    /// <summary>The split for <paramref name="fraction"/>: token ids as the model's dtype (the engines need floating inputs), labels.</summary>
    public ModularSplit Split(double fraction, ScalarType dtype, Device device)
    {
        int n = TrainCount(fraction);
        return new ModularSplit(Part(_order.Take(n).ToArray(), dtype, device), Part(_order.Skip(n).ToArray(), dtype, device));
    }

    private ModularPart Part(int[] pairs, ScalarType dtype, Device device)
    {
        var tokens = new long[pairs.Length * 3];
        var labels = new long[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            int a = pairs[i] / Modulus, b = pairs[i] % Modulus;
            (tokens[3 * i], tokens[3 * i + 1], tokens[3 * i + 2]) = (a, b, Modulus);
            labels[i] = Label(a, b);
        }
        using var scope = torch.NewDisposeScope();
        var classes = torch.tensor(labels, dtype: ScalarType.Int64, device: device);
        var inputs = torch.tensor(tokens, [pairs.Length, 3], dtype: ScalarType.Int64, device: device).to_type(dtype);
        var oneHot = nn.functional.one_hot(classes, Modulus).to_type(dtype);
        return new ModularPart(inputs.DetachFromDisposeScope(), classes.DetachFromDisposeScope(), oneHot.DetachFromDisposeScope());
    }
}

/// <summary>One side of the split: token ids [n, 3] (floating, integral values), classes [n] (int64), one-hot targets [n, p].</summary>
internal sealed record ModularPart(Tensor Inputs, Tensor Classes, Tensor OneHot) : IDisposable
{
    public int Count => (int)Inputs.shape[0];

    /// <summary>The first <paramref name="count"/> rows (all when fewer), as views.</summary>
    public ModularPart Head(int count)
    {
        long n = Math.Min(count, Count);
        return new ModularPart(Inputs.narrow(0, 0, n), Classes.narrow(0, 0, n), OneHot.narrow(0, 0, n));
    }

    public void Dispose()
    {
        Inputs.Dispose();
        Classes.Dispose();
        OneHot.Dispose();
    }
}

/// <summary>The training and test sets of one training fraction.</summary>
internal sealed record ModularSplit(ModularPart Train, ModularPart Test) : IDisposable
{
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
