"""MatMulNBits on CPU: float vs uint8 zero points, accuracy level 0 vs 4 (why runtime/quantize.py uses a block-sum side path).

    python bench/matmulnbits_zero_points.py
"""
import platform, re
flags = sorted(set(re.findall(r"\b(avx512\w*|avx2|fma|avx_vnni|amx\w*)\b", open("/proc/cpuinfo").read()))) if platform.system() == "Linux" else []
print("cpu flags:", " ".join(flags))
import numpy as np, onnx, onnxruntime as ort, time
from onnx import helper, TensorProto, numpy_helper
K,N,B=576,1536,32
rng=np.random.default_rng(0)
kb=K//B
q=rng.integers(0,16,size=(N,kb,B)).astype(np.uint8)
d=rng.random((N,kb)).astype(np.float32)*0.01+0.001
m=-rng.random((N,kb)).astype(np.float32)*0.05
W=(d[...,None]*q+m[...,None]).reshape(N,K)  # [N,K]
packed=(q[...,0::2] | (q[...,1::2]<<4)).astype(np.uint8)  # [N,kb,16]
def model(zp_kind, acc, bits=4):
    inits=[numpy_helper.from_array(packed,'B'), numpy_helper.from_array(d.reshape(-1),'S')]
    ins=['X','B','S']
    if zp_kind=='float':
        inits.append(numpy_helper.from_array((-m/d).reshape(-1).astype(np.float32),'Z')); ins.append('Z')
    elif zp_kind=='u8':
        z=np.full((N,(kb+1)//2),0x88,np.uint8); inits.append(numpy_helper.from_array(z,'Z')); ins.append('Z')
    node=helper.make_node('MatMulNBits',ins,['Y'],domain='com.microsoft',K=K,N=N,bits=bits,block_size=B,accuracy_level=acc)
    g=helper.make_graph([node],'g',[helper.make_tensor_value_info('X',TensorProto.FLOAT,['M',K])],[helper.make_tensor_value_info('Y',TensorProto.FLOAT,['M',N])],inits)
    mdl=helper.make_model(g,opset_imports=[helper.make_opsetid('',17),helper.make_opsetid('com.microsoft',1)])
    so=ort.SessionOptions(); so.intra_op_num_threads=2; so.add_session_config_entry('session.intra_op.allow_spinning','0')
    return ort.InferenceSession(mdl.SerializeToString(),so,providers=['CPUExecutionProvider'])
for M in (1,64):
    X=rng.standard_normal((M,K)).astype(np.float32)
    ref=X@W.T
    for zk in ('float','u8'):
        for acc in (0,4):
            try:
                s=model(zk,acc)
            except Exception as e:
                print(zk,acc,'ERR',str(e)[:200]); continue
            y=s.run(None,{'X':X})[0]
            err=np.abs(y-ref).max()/np.abs(ref).max() if zk=='float' else float('nan')
            ts=[]
            for _ in range(5):
                t=time.perf_counter()
                for _ in range(50): s.run(None,{'X':X})
                ts.append((time.perf_counter()-t)/50)
            print(f"M={M} zp={zk} acc={acc} relerr={err:.2e} {np.median(ts)*1e6:.1f}us")
