namespace Telescope.Recipes.DoubleDescent;

/// <summary>
/// The two-class data of a double-descent run: a class-balanced training set with ±1 targets and a test set
/// with clean ±1 targets, both average-pooled so the interpolation threshold (parameters ≈ n) falls inside
/// the width grid.
/// </summary>
/// <param name="Train">Training task (clean targets; noise is applied per run with <see cref="BinaryTask.WithLabelNoise"/>).</param>
/// <param name="Test">Test task (clean targets).</param>
/// <param name="Description">One sentence saying what the data are and how they were chosen.</param>
/// <param name="IsSynthetic">True for the built-in synthetic images (no data folder).</param>
internal sealed record DoubleDescentData(BinaryTask Train, BinaryTask Test, string Description, bool IsSynthetic)
{
    public static readonly string[] Choices = ["auto", "mnist", "cifar10", "synthetic", OwnImages.Choice];

    /// <summary>Features per example after pooling (d).</summary>
    public int FeatureCount => Train.Data.FeatureCount;

    /// <summary>
    /// Loads train_size training examples (the first train_size/2 of each class, in data set order) and the first
    /// test_size test examples of the two classes.
    /// </summary>
    public static DoubleDescentData Load(RunContext context, DoubleDescentSettings s)
    {
        var (choice, trainSize, testSize, pool) = (s.Data, s.TrainSize, s.TestSize, s.Pool);
        var (positiveClass, negativeClass) = (s.Classes[0], s.Classes[1]);
        if (trainSize % 2 != 0)
            throw new TelescopeException($"train_size = {trainSize} is odd; the training set is class-balanced.")
            { Hint = "Use an even train_size." };
        if (positiveClass == negativeClass)
            throw new TelescopeException($"classes = [{positiveClass}, {negativeClass}] names one class twice.")
            { Hint = "Give two different classes, e.g. --set classes=3,5." };
        OwnImages.CheckNotIgnored(s.OwnImages, choice);
        string source = choice switch
        {
            "auto" when OwnImages.AreGiven(s.OwnImages) => OwnImages.Choice,
            "auto" => context.DataDirectory is null ? "synthetic" : "mnist",
            _ => choice,   // mnist, cifar10, synthetic or files (the schema's choices)
        };
        if (choice == "auto" && source == "synthetic")
            context.Progress.Message("No data folder given: using the built-in synthetic MNIST-like images. " +
                "For real MNIST pass --data DIR or set TELESCOPE_DATA.");

        ImageDataset train, test;
        int perClass = trainSize / 2;
        if (source == "synthetic")
        {
            // Example i has class i mod 10, so 10·m examples hold m of each class.
            int classes = new SyntheticImageOptions().NumClasses;
            train = SyntheticImages.Load(DataSplit.Train, classes * perClass, (ulong)context.Seed);
            test = SyntheticImages.Load(DataSplit.Test, classes * ((testSize + 1) / 2), (ulong)context.Seed);
        }
        else if (source == OwnImages.Choice) (train, test) = OwnImages.Load(context, s.OwnImages);
        else
        {
            var folder = DataFolder.Open(context.RequireDataDirectory());
            (train, test) = source == "mnist"
                ? (MnistData.Load(folder, DataSplit.Train), MnistData.Load(folder, DataSplit.Test))
                : (Cifar10Data.Load(folder, DataSplit.Train), Cifar10Data.Load(folder, DataSplit.Test));
        }
        if (positiveClass >= train.NumClasses || negativeClass >= train.NumClasses)
            throw new TelescopeException($"classes = [{positiveClass}, {negativeClass}] lie outside 0..{train.NumClasses - 1}.")
            { Hint = "Pick two classes of the data set, e.g. --set classes=3,5." };

        train = train.WhereClass(positiveClass, negativeClass);
        try { train = train.ClassBalanced(perClass); }
        catch (InvalidOperationException e)
        {
            throw new TelescopeException(e.Message) { Hint = "Lower train_size." };
        }
        test = test.WhereClass(positiveClass, negativeClass);
        if (test.Count < testSize)
            throw new TelescopeException($"The {source} test split has only {test.Count} examples of classes {positiveClass} and {negativeClass}; test_size = {testSize}.")
            { Hint = $"Use --set test_size={test.Count} or less." };
        test = test.Take(testSize);

        train = Pool(train, pool);
        test = Pool(test, pool);
        var trainTask = BinaryTask.Create(train, positiveClass, negativeClass);
        var testTask = BinaryTask.Create(test, positiveClass, negativeClass);
        string name = source switch
        {
            "mnist" => "MNIST",
            "cifar10" => "CIFAR-10",
            OwnImages.Choice => OwnImages.Describe(s.OwnImages),
            _ => "synthetic MNIST-like images (built-in generator, NOT MNIST)",
        };
        string description =
            $"{name}, class {positiveClass} (target +1) vs class {negativeClass} (target −1): {trainTask.Count} training examples " +
            $"(the first {perClass} of each class in data set order), the first {testTask.Count} test examples of the two classes; " +
            $"{pool}×{pool} average pooling to {train.Shape} = {train.FeatureCount} features, pixel values in [0, 1]";
        return new DoubleDescentData(trainTask, testTask, description, source == "synthetic");
    }

    private static ImageDataset Pool(ImageDataset data, int pool)
    {
        if (pool == 1) return data;
        try { return data.AveragePool(pool); }
        catch (ArgumentException e)
        {
            throw new TelescopeException(e.Message) { Hint = "Choose a pool factor dividing the image height and width (MNIST 28: 1, 2, 4, 7; CIFAR-10 32: 1, 2, 4, 8)." };
        }
    }
}

/// <summary>Tensors shared by every network of the sweep (built once, on the run's device and dtype).</summary>
internal sealed record DoubleDescentTensors(Tensor TrainInputs, Tensor TestInputs, Tensor TestTargets, Tensor TestProbes);
