using System.Runtime.InteropServices;

namespace Telescope.Boosting;

/// <summary>Owns a LightGBM <c>DatasetHandle</c>; released with <c>LGBM_DatasetFree</c>.</summary>
internal sealed class DatasetSafeHandle : SafeHandle
{
    public DatasetSafeHandle() : base(IntPtr.Zero, ownsHandle: true) { }
    internal DatasetSafeHandle(IntPtr handle) : this() => SetHandle(handle);
    public override bool IsInvalid => handle == IntPtr.Zero;
    protected override bool ReleaseHandle() => LightGbmNative.LGBM_DatasetFree(handle) == 0;
}

/// <summary>
/// Owns a LightGBM <c>BoosterHandle</c>; released with <c>LGBM_BoosterFree</c>. A booster keeps a raw pointer to
/// its training dataset, so this handle holds a reference count on the dataset handle and drops it only after
/// the booster is freed: disposing the dataset first can never leave the booster dangling.
/// </summary>
internal sealed class BoosterSafeHandle : SafeHandle
{
    private DatasetSafeHandle? _trainData;

    public BoosterSafeHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal BoosterSafeHandle(IntPtr handle, DatasetSafeHandle trainData) : this()
    {
        bool added = false;
        trainData.DangerousAddRef(ref added);
        _trainData = added ? trainData : null;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        bool ok = LightGbmNative.LGBM_BoosterFree(handle) == 0;
        _trainData?.DangerousRelease();
        _trainData = null;
        return ok;
    }
}
